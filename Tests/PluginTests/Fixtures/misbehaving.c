// Plugins that break ABI v1 on purpose, one per -D flag, to show that none of them can crash or hang the host.
//   -DWRONG_ABI     kir_abi_version returns 2
//   -DTRAP          kir_evaluate executes `unreachable`
//   -DSPIN          kir_evaluate loops forever (fuel stops it)
//   -DGARBAGE       kir_evaluate returns text that is not JSON
//   -DOVERSIZED     kir_evaluate returns more than 64 KiB
//   -DBAD_POINTER   kir_evaluate returns a pointer outside its memory
//   -DMEMORY_HOG    kir_evaluate grows its memory until the host says no
//   -DIMPORTS       imports a host function ABI v1 does not provide
//   -DREFUSE        kir_configure refuses every set of options
//   -DDENY          kir_evaluate denies every image
//   -DID=\"name\"   kir_id returns this ID (else the file name is the ID)

#define EXPORT(name) __attribute__((export_name(name)))

typedef unsigned int u32;
typedef unsigned long long u64;

static char buffer[128 * 1024];

static u64 pack(const char *pointer, u32 length) { return ((u64)(u32)pointer << 32) | length; }

// Lengths from sizeof: a strlen-like loop would become a call to strlen, which -nostdlib does not provide.
#define answer(text) pack(text, sizeof text - 1)

EXPORT("kir_abi_version") int kir_abi_version(void) {
#ifdef WRONG_ABI
    return 2;
#else
    return 1;
#endif
}

#ifdef ID
EXPORT("kir_id") u64 kir_id(void) { return answer(ID); }
#endif

EXPORT("kir_alloc") char *kir_alloc(u32 size) { return size <= sizeof buffer ? buffer : 0; }

#ifdef REFUSE
EXPORT("kir_configure") u64 kir_configure(const char *json, u32 length) { return answer("never satisfied"); }
#endif

#ifdef IMPORTS
__attribute__((import_module("env"), import_name("host_lookup"))) int host_lookup(int);
#endif

EXPORT("kir_evaluate") u64 kir_evaluate(const char *json, u32 length) {
#if defined(TRAP)
    __builtin_trap();
#elif defined(SPIN)
    volatile u32 counter = 0;
    for (;;) counter++;
#elif defined(GARBAGE)
    return answer("this is not JSON");
#elif defined(OVERSIZED)
    for (u32 i = 0; i < sizeof buffer; i++) buffer[i] = ' ';
    return pack(buffer, 70000);
#elif defined(BAD_POINTER)
    return ((u64)0xFFFF0000u << 32) | 16;
#elif defined(MEMORY_HOG)
    while (__builtin_wasm_memory_grow(0, 16) != -1) {}
    return answer("{\"result\":\"no-match\"}");
#elif defined(IMPORTS)
    return host_lookup((int)length) ? answer("{\"result\":\"matched\"}") : answer("{\"result\":\"no-match\"}");
#elif defined(DENY)
    return answer("{\"result\":\"deny\",\"detail\":\"images are not welcome here\",\"rule\":\"everything\"}");
#else
    return answer("{\"result\":\"no-match\",\"detail\":\"well-behaved\"}");
#endif
}
