#include "ConcurrencyHook.h"

#include <stdatomic.h>
#include <stddef.h>

// The runtime's declarations (swift/ExecutorImpl.h and the runtime's ConcurrencyHooks.def): the global enqueue
// calls this hook, when set, with the job and the default implementation. Both take the Swift calling convention.
typedef struct kir_swift_job kir_swift_job;
typedef void (*kir_enqueue_original)(kir_swift_job *job) __attribute__((swiftcall));
typedef void (*kir_enqueue_hook)(kir_swift_job *job, kir_enqueue_original original) __attribute__((swiftcall));
extern _Atomic(kir_enqueue_hook) swift_task_enqueueGlobal_hook;

static kir_global_job_handler installed_handler;

__attribute__((swiftcall)) static void enqueue_global(kir_swift_job *job, kir_enqueue_original original) {
    (void)original;
    installed_handler(job);
}

bool kir_install_global_job_handler(kir_global_job_handler handler) {
    kir_enqueue_hook expected = NULL;
    installed_handler = handler;
    return atomic_compare_exchange_strong(&swift_task_enqueueGlobal_hook, &expected, enqueue_global);
}
