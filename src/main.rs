fn main() -> std::process::ExitCode {
    kaudit::cli::main()
}
