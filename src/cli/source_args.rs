//! SOURCE: `--demo`, or files (`--file PATH`, repeatable, or plain paths; folders are read
//! recursively; `-` is standard input).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::engine::local::{InputSpec, LocalSource};

#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Read the built-in demo incident (the default when no file is given).
    #[arg(long, conflicts_with_all = ["file", "paths"])]
    pub demo: bool,
    /// A file or folder to read (repeatable); `-` reads standard input. Gzip is detected.
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    pub file: Vec<PathBuf>,
    /// Files or folders to read, as with --file.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

impl SourceArgs {
    /// Every path given, in order.
    fn all_paths(&self) -> Vec<PathBuf> {
        self.file.iter().chain(&self.paths).cloned().collect()
    }

    pub fn is_demo(&self) -> bool {
        self.demo || (self.file.is_empty() && self.paths.is_empty())
    }

    /// The source to read: the demo incident, or the files (folders expanded); `follow`: the
    /// files are followed once read.
    pub fn local(&self, follow: bool) -> Result<LocalSource> {
        if self.is_demo() {
            return Ok(LocalSource::demo());
        }
        Ok(LocalSource::files(&self.all_paths(), follow)?)
    }

    /// The inputs to read: the demo incident, or the files (folders expanded).
    pub fn inputs(&self) -> Result<Vec<InputSpec>> {
        Ok(self.local(false)?.specs().to_vec())
    }
}
