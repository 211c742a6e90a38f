#ifndef K8S_IMAGE_REPLACER_CONCURRENCY_HOOK_H
#define K8S_IMAGE_REPLACER_CONCURRENCY_HOOK_H

#include <stdbool.h>

/// Receives each job Swift concurrency would have given its global (Dispatch) pool. `job` is the runtime's job
/// pointer, the representation of `UnownedJob`.
typedef void (*kir_global_job_handler)(void *_Nonnull job);

/// Routes Swift concurrency's global enqueue to `handler` by setting the runtime's `swift_task_enqueueGlobal_hook`.
///
/// Returns false, changing nothing, when another hook is already installed or this function has succeeded before.
/// Call it before the first task starts; `handler` must stay valid for the life of the process and must
/// eventually run every job it is given.
///
/// This links against the hook variable instead of looking it up with `dlsym`, which is how SwiftNIO's own
/// installer finds it: with `--static-swift-stdlib` the runtime is inside the executable and the variable is not
/// exported, so the lookup fails and the process would silently keep the Dispatch pool.
bool kir_install_global_job_handler(kir_global_job_handler _Nonnull handler);

#endif
