// An example matcher plugin for ABI v1 (see Plugins/README.md), written in freestanding C: no libc, no WASI.
//
// It sends Docker Hub official images to a per-namespace project of a mirror:
//   docker.io/library/nginx:1.27 in namespace "web"  ->  mirror.corp/web/nginx:1.27
// Options (a stage's `options:`, given to kir_configure as JSON): {"registry": "mirror.corp"}.
//
// Build:  clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--export-dynamic \
//             -o mirror-by-namespace.wasm mirror_by_namespace.c

#define EXPORT(name) __attribute__((export_name(name)))

typedef unsigned int u32;
typedef unsigned long long u64;

// One exchange at a time: the host calls kir_alloc once before each kir_configure/kir_evaluate and has read the
// answer before it calls kir_alloc again, so everything from the previous exchange can be reused here.
static char input[64 * 1024];
static char output[4096];
static u32 output_length;
// Set by kir_configure, kept for every evaluation of the stage.
static char registry[256] = "mirror.corp";
static u32 registry_length = 11;

static u64 pack(const char *pointer, u32 length) { return ((u64)(u32)pointer << 32) | length; }

// Lengths of literals come from sizeof: a strlen-like loop would be turned into a call to strlen, which a
// -nostdlib module does not have.
#define LITERAL(text) text, (sizeof text - 1)

static int starts_with(const char *text, u32 length, const char *prefix, u32 n) {
    if (length < n) return 0;
    for (u32 i = 0; i < n; i++)
        if (text[i] != prefix[i]) return 0;
    return 1;
}

// Finds `"key":"value"` in the compact JSON the host writes and returns the value's start and length. The
// values this plugin reads (image names, namespaces, a host name) never contain quotes or backslashes; a
// plugin that reads arbitrary strings should use a real JSON parser.
static int find_string(const char *json, u32 length, const char *key, u32 key_length, const char **value,
                       u32 *value_length) {
    for (u32 i = 0; i + key_length + 4 <= length; i++) {
        if (json[i] != '"' || !starts_with(json + i + 1, length - i - 1, key, key_length)) continue;
        u32 j = i + 1 + key_length;
        if (json[j] != '"' || json[j + 1] != ':' || json[j + 2] != '"') continue;
        j += 3;
        u32 start = j;
        while (j < length && json[j] != '"') j++;
        if (j >= length) return 0;
        *value = json + start;
        *value_length = j - start;
        return 1;
    }
    return 0;
}

static void emit(const char *text, u32 length) {
    for (u32 i = 0; i < length && output_length < sizeof output; i++) output[output_length++] = text[i];
}


EXPORT("kir_abi_version") int kir_abi_version(void) { return 1; }

EXPORT("kir_id") u64 kir_id(void) { return pack(LITERAL("mirror-by-namespace")); }

#ifdef KIR_TRAITS
// Built with -DKIR_TRAITS=N by the tests of the traits a plugin declares; the example itself declares none, as it
// reads the namespace (a plugin that declared itself pure would be given none).
EXPORT("kir_traits") int kir_traits(void) { return KIR_TRAITS; }
#endif

EXPORT("kir_alloc") char *kir_alloc(u32 size) { return size <= sizeof input ? input : 0; }

EXPORT("kir_configure") u64 kir_configure(const char *json, u32 length) {
    if (length == 4 && starts_with(json, length, LITERAL("null"))) return 0;  // no options: keep the default
    const char *value;
    u32 value_length;
    if (!find_string(json, length, LITERAL("registry"), &value, &value_length) || value_length == 0 ||
        value_length >= sizeof registry) {
        static const char reason[] = "options need \"registry\", the mirror host, e.g. {registry: mirror.corp}";
        return pack(reason, sizeof reason - 1);
    }
    for (u32 i = 0; i < value_length; i++) registry[i] = value[i];
    registry_length = value_length;
    return 0;
}

EXPORT("kir_evaluate") u64 kir_evaluate(const char *json, u32 length) {
    static const char official[] = "docker.io/library/";
    const char *image, *namespace;
    u32 image_length, namespace_length;
    output_length = 0;
    if (!find_string(json, length, LITERAL("normalized"), &image, &image_length) ||
        !starts_with(image, image_length, LITERAL(official))) {
        emit(LITERAL("{\"result\":\"no-match\",\"detail\":\"not a Docker Hub official image\"}"));
    } else if (!find_string(json, length, LITERAL("namespace"), &namespace, &namespace_length)) {
        emit(LITERAL("{\"result\":\"no-match\",\"detail\":\"no namespace to name the project after\"}"));
    } else {
        emit(LITERAL("{\"result\":\"rewrite\",\"image\":\""));
        emit(registry, registry_length);
        emit(LITERAL("/"));
        emit(namespace, namespace_length);
        emit(LITERAL("/"));
        emit(image + sizeof official - 1, image_length - (sizeof official - 1));
        emit(LITERAL("\",\"rule\":\"docker.io/library\",\"detail\":\"project "));
        emit(namespace, namespace_length);
        emit(LITERAL("\"}"));
    }
    return pack(output, output_length);
}
