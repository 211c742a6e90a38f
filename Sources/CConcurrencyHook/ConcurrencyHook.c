#include "ConcurrencyHook.h"

#include <stdatomic.h>
#include <stddef.h>

// The runtime's declarations (swift/ExecutorImpl.h and the runtime's ConcurrencyHooks.def): the global enqueue
// calls this hook, when set, with the job and the default implementation. Both take the Swift calling convention.
typedef struct kir_swift_job kir_swift_job;
typedef void (*kir_enqueue_original)(kir_swift_job *job) __attribute__((swiftcall));
typedef void (*kir_enqueue_hook)(kir_swift_job *job, kir_enqueue_original original) __attribute__((swiftcall));
extern _Atomic(kir_enqueue_hook) swift_task_enqueueGlobal_hook;

// Set before the hook is published and never changed while it is: a job can only reach enqueue_global after the
// compare-exchange below, which orders this store before it.
static _Atomic(kir_global_job_handler) installed_handler;

__attribute__((swiftcall)) static void enqueue_global(kir_swift_job *job, kir_enqueue_original original) {
    (void)original;
    atomic_load_explicit(&installed_handler, memory_order_acquire)(job);
}

bool kir_install_global_job_handler(kir_global_job_handler handler) {
    kir_global_job_handler no_handler = NULL;
    if (!atomic_compare_exchange_strong(&installed_handler, &no_handler, handler)) {
        return false;  // installed once already
    }
    kir_enqueue_hook no_hook = NULL;
    if (atomic_compare_exchange_strong(&swift_task_enqueueGlobal_hook, &no_hook, enqueue_global)) {
        return true;
    }
    // Someone else's hook is in place; enqueue_global was never published, so nothing can be reading this.
    atomic_store(&installed_handler, NULL);
    return false;
}
