/*
 * z4ai_archive.i - directory archives (z4ai_archive_*), for every language: the Archive
 * proxy (open, list members field by field, read/extract one member, restore all,
 * open a container member in a reader) and CCtx.archive_write. %included by z4ai.i after
 * the container layer; same rules (pending error -> exception, int64 sizes, per-field
 * accessors instead of structs). The reader passed to open_member is the language's
 * container reader proxy (TensorReader in Python, Reader elsewhere: one C struct).
 */

%{
typedef struct z4ai_swig_archive {
    z4ai_archive* a;
    char* text; /* last describe() result, owned here */
} Archive;

static int z4ai_swig_archive_ok(Archive* a) {
    if (a->a != NULL) return 1;
    z4ai_swig_fail(Z4AI_E_STAGE_WRONG, "archive is closed");
    return 0;
}
static int z4ai_swig_achk(Archive* a, z4ai_status s) {
    if (s == Z4AI_OK) return 1;
    z4ai_swig_fail(s, z4ai_archive_last_error(a->a));
    return 0;
}
static int z4ai_swig_member(Archive* a, int64_t index, z4ai_member_info* m) {
    if (!z4ai_swig_archive_ok(a)) return 0;
    if (index < 0) {
        z4ai_swig_fail(Z4AI_E_NOT_FOUND, "negative member index");
        return 0;
    }
    m->struct_size = sizeof *m;
    return z4ai_swig_achk(a, z4ai_archive_member_info(a->a, (size_t)index, m));
}
%}

%extend z4ai_swig_cctx {
    /** Archives directory src_dir into the new directory dst_dir (flags:
     *  Z4AI_ARCHIVE_REPLACE replaces an existing archive). */
    void archive_write(const char* src_dir, const char* dst_dir, int32_t flags) {
        if (z4ai_swig_cctx_ok($self))
            z4ai_swig_cchk($self, z4ai_archive_write($self->ctx, src_dir, dst_dir, flags, NULL, NULL));
    }
}

typedef struct z4ai_swig_archive {
} Archive;

%extend z4ai_swig_archive {
    /** New archive reader; set parameters (Z4AI_D_*), then open. */
    z4ai_swig_archive() {
        Archive* a = (Archive*)calloc(1, sizeof(Archive));
        if (a == NULL || (a->a = z4ai_archive_create()) == NULL) {
            free(a);
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot create an archive reader");
            return NULL;
        }
        return a;
    }
    ~z4ai_swig_archive() {
        z4ai_archive_free($self->a);
        free($self->text);
        free($self);
    }
    /** Frees the native archive now (idempotent). */
    void close() {
        z4ai_archive_free($self->a);
        $self->a = NULL;
    }
    void set_param(int32_t param, int64_t value) {
        if (z4ai_swig_archive_ok($self)) z4ai_swig_achk($self, z4ai_archive_set_param($self->a, param, value));
    }
    /** Opens an archive directory (reads and validates z4ai-manifest.json). */
    void open(const char* dir) {
        if (z4ai_swig_archive_ok($self)) z4ai_swig_achk($self, z4ai_archive_open($self->a, dir));
    }
    int64_t version() {
        uint32_t v = 0;
        if (z4ai_swig_archive_ok($self)) z4ai_swig_achk($self, z4ai_archive_version($self->a, &v));
        return (int64_t)v;
    }
    int64_t member_count() {
        size_t n = 0;
        if (z4ai_swig_archive_ok($self)) z4ai_swig_achk($self, z4ai_archive_member_count($self->a, &n));
        return (int64_t)n;
    }
    /** Index of the member with this path (raises Z4AI_E_NOT_FOUND). */
    int64_t find(const char* path) {
        size_t i = 0;
        if (z4ai_swig_archive_ok($self)) {
            z4ai_status s = z4ai_archive_find($self->a, path, &i);
            if (s != Z4AI_OK) z4ai_swig_fail(s, path);
        }
        return (int64_t)i;
    }
    const char* member_path(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? m.path : "";
    }
    const char* member_stored(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? m.stored : "";
    }
    const char* member_base(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? m.base : "";
    }
    /** z4ai_member_kind: Z4AI_MEMBER_PLAIN, _FRAME, _CONTAINER, _MODEL_DELTA, _DIRECTORY. */
    int32_t member_kind(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? m.kind : 0;
    }
    int64_t member_mode(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? (int64_t)m.mode : 0;
    }
    int64_t member_size(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? (int64_t)m.size : 0;
    }
    int64_t member_stored_size(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? (int64_t)m.stored_size : 0;
    }
    /** Model delta: index of its base member; -1 otherwise. */
    int64_t member_base_index(int64_t index) {
        z4ai_member_info m;
        return z4ai_swig_member($self, index, &m) ? m.base_index : -1;
    }
    /** The restored bytes of member index into the output (size it with member_size). */
    int64_t read(int64_t index, void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        size_t written = 0;
        if (!z4ai_swig_archive_ok($self)) return 0;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_NOT_FOUND, "negative member index");
            return 0;
        }
        z4ai_swig_achk($self, z4ai_archive_read($self->a, (size_t)index, Z4AI_OUT, Z4AI_OUT_CAP, &written));
        return (int64_t)written;
    }
    /** Member index restored into a file (atomically). */
    void extract(int64_t index, const char* dst_path) {
        if (!z4ai_swig_archive_ok($self)) return;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_NOT_FOUND, "negative member index");
            return;
        }
        z4ai_swig_achk($self, z4ai_archive_extract($self->a, (size_t)index, dst_path));
    }
    /** Restores every member under the new directory dst_dir. */
    void restore(const char* dst_dir) {
        if (z4ai_swig_archive_ok($self)) z4ai_swig_achk($self, z4ai_archive_restore($self->a, dst_dir, NULL, NULL));
    }
    /** Opens a container / model-delta member in a reader (bases found in the archive). */
    void open_member(int64_t index, struct z4ai_swig_reader* reader) {
        if (!z4ai_swig_archive_ok($self)) return;
        if (reader == NULL || reader->r == NULL || index < 0) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "closed reader or negative index");
            return;
        }
        z4ai_swig_achk($self, z4ai_archive_open_member($self->a, (size_t)index, reader->r));
    }
    /** JSON description (version; per member path, kind, stored, size, stored_size, base, mode). */
    const char* describe() {
        size_t need = 0;
        char* text;
        z4ai_status s;
        if (!z4ai_swig_archive_ok($self)) return "";
        s = z4ai_archive_describe($self->a, NULL, 0, &need);
        if (s != Z4AI_E_DST_TOO_SMALL) {
            z4ai_swig_achk($self, s == Z4AI_OK ? Z4AI_E_INTERNAL : s);
            return "";
        }
        if ((text = (char*)malloc(need)) == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot allocate the text");
            return "";
        }
        if (!z4ai_swig_achk($self, z4ai_archive_describe($self->a, text, need, &need))) {
            free(text);
            return "";
        }
        free($self->text);
        $self->text = text;
        return text;
    }
    const char* last_error() { return $self->a ? z4ai_archive_last_error($self->a) : ""; }
}

#if defined(SWIGPYTHON)
%include "python/archive.i"
#endif
