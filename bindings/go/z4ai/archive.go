package z4ai

import "runtime"

// Directory archives (z4ai_archive_*): a model directory or hub snapshot as one
// DIR.z4ai/ directory, itself a model directory (shards keep their names), with
// z4ai-manifest.json. The same archives as `z4ai compress DIR`; one implementation in
// the C library for every language.

// Member kinds (Member.Kind; values of z4ai.h).
var (
	MemberPlain      = Z4AI_MEMBER_PLAIN
	MemberFrame      = Z4AI_MEMBER_FRAME
	MemberContainer  = Z4AI_MEMBER_CONTAINER
	MemberModelDelta = Z4AI_MEMBER_MODEL_DELTA
	MemberDirectory  = Z4AI_MEMBER_DIRECTORY
)

// WriteArchive archives directory src into the new directory dst with the context's
// parameters; replace replaces an existing archive at dst.
func (c *Compressor) WriteArchive(src, dst string, replace bool) error {
	if err := c.live(); err != nil {
		return err
	}
	flags := 0
	if replace {
		flags = Z4AI_ARCHIVE_REPLACE
	}
	return call(func() { c.ctx.Archive_write(src, dst, flags) })
}

// Member describes one member of an archive.
type Member struct {
	Index      int
	Path       string // relative path in the original directory
	Stored     string // its file inside the archive ("" for a directory)
	Kind       int    // MemberPlain, MemberFrame, ...
	Size       int64  // restored bytes
	StoredSize int64
	Mode       int64 // permission bits (0: not recorded)
	Base       string
	BaseIndex  int // model delta: index of its base member; -1 otherwise
}

// Archive is an open archive directory. Not safe for concurrent use; call Close.
type Archive struct{ a NativeArchive }

// OpenArchive opens an archive directory (reads and validates its manifest).
func OpenArchive(dir string) (*Archive, error) {
	var a NativeArchive
	if err := call(func() { a = NewNativeArchive() }); err != nil {
		return nil, err
	}
	x := &Archive{a}
	runtime.SetFinalizer(x, (*Archive).Close)
	if err := call(func() {
		a.Set_param(Z4AI_D_THREADS, 0)
		if !z4ai_pending() {
			a.Open(dir)
		}
	}); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

func (x *Archive) do(f func(a NativeArchive)) error {
	if x.a == nil {
		return newError(Z4AI_E_STAGE_WRONG, "archive is closed")
	}
	return call(func() { f(x.a) })
}

// Version of the archive's manifest.
func (x *Archive) Version() (int, error) {
	var v int64
	err := x.do(func(a NativeArchive) { v = a.Version() })
	return int(v), err
}

// Members lists files (manifest order), then directories.
func (x *Archive) Members() ([]Member, error) {
	var out []Member
	err := x.do(func(a NativeArchive) {
		n := a.Member_count()
		for i := int64(0); i < n && !z4ai_pending(); i++ {
			out = append(out, Member{Index: int(i), Path: a.Member_path(i), Stored: a.Member_stored(i),
				Kind: int(a.Member_kind(i)), Size: a.Member_size(i), StoredSize: a.Member_stored_size(i),
				Mode: a.Member_mode(i), Base: a.Member_base(i), BaseIndex: int(a.Member_base_index(i))})
		}
	})
	return out, err
}

// Find is the index of the member at path (Z4AI_E_NOT_FOUND if absent).
func (x *Archive) Find(path string) (int, error) {
	var i int64
	err := x.do(func(a NativeArchive) { i = a.Find(path) })
	return int(i), err
}

// Read returns the restored bytes of member index (checked against size and digest).
func (x *Archive) Read(index int) ([]byte, error) {
	var out []byte
	err := x.do(func(a NativeArchive) {
		size := a.Member_size(int64(index))
		if z4ai_pending() {
			return
		}
		out = make([]byte, size)
		n := a.Read(int64(index), out)
		out = out[:n]
	})
	return out, err
}

// Extract restores member index into a file (atomically).
func (x *Archive) Extract(index int, dst string) error {
	return x.do(func(a NativeArchive) { a.Extract(int64(index), dst) })
}

// Restore restores every member under the new directory dst.
func (x *Archive) Restore(dst string) error {
	return x.do(func(a NativeArchive) { a.Restore(dst) })
}

// OpenMember opens a container or model-delta member as a Container (a delta's base is
// found inside the archive).
func (x *Archive) OpenMember(index int) (*Container, error) {
	return newContainer(func(r NativeReader) { x.a.Open_member(int64(index), r) })
}

// Close frees the native archive (idempotent).
func (x *Archive) Close() {
	if x.a != nil {
		DeleteNativeArchive(x.a)
		x.a = nil
	}
}
