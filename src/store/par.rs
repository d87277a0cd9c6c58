//! Splitting work over rows between the cores.

use std::ops::Range;
use std::sync::OnceLock;

/// Rows below which a thread of its own costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 32 * 1024;

/// The cores this process may use; asked once, as the answer takes system calls.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `work` over `0..len` cut into consecutive ranges, one per thread, and returns the answers
/// in range order. Small inputs stay on the calling thread.
pub fn over_chunks<T: Send>(len: usize, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let n = threads().min(len / MIN_ROWS_PER_THREAD).max(1);
    if n == 1 {
        return vec![work(0..len)];
    }
    let bounds: Vec<usize> = (0..=n).map(|k| len * k / n).collect();
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = bounds[1..]
            .windows(2)
            .map(|w| {
                let range = w[0]..w[1];
                scope.spawn(move || work(range))
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        out.push(work(bounds[0]..bounds[1]));
        for handle in handles {
            match handle.join() {
                Ok(answer) => out.push(answer),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}
