//! Running the engine's work from a command: on this thread, to its end.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

/// Runs `work` to its end. With `remote` (work billed in the account), Ctrl-C sets `cancel`
/// instead of ending kaudit, so that the source can stop what runs there (StopQuery) and the
/// command can say what it had.
pub fn block_on<T>(
    remote: bool,
    cancel: &Arc<AtomicBool>,
    work: impl Future<Output = T>,
) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(async {
        let ctrl_c = remote.then(|| {
            let stop = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop.store(true, Ordering::Relaxed);
                }
            })
        });
        let out = work.await;
        if let Some(ctrl_c) = ctrl_c {
            ctrl_c.abort();
        }
        out
    }))
}
