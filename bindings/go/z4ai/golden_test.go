package z4ai

// Golden vectors (tests/golden/manifest.json) through the Go binding, and encoder
// determinism: the same input and parameters give the same frame at 1 and 2 threads,
// one-shot and streamed, and the same frame as the z4ai CLI (Z4AI_CLI, -T 1 / -T 2).
// ctest: go_golden (run_go_test.sh with Z4AI_GO_RUN=Golden).

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

type goldenTensor struct {
	Sha256 string `json:"sha256"`
	Size   int    `json:"size"`
	Method string `json:"method"`
}

type goldenEntry struct {
	Kind      string                  `json:"kind"` // "" (frame), "zstn", "z4dm", "dir"
	Sha256    string                  `json:"sha256"`
	Size      int                     `json:"size"`
	Args      []string                `json:"args"`
	Reference *string                 `json:"reference"`
	Tensors   map[string]goldenTensor `json:"tensors"`
	Files     map[string]goldenTensor `json:"files"` // kind "dir": per restored file
}

// restoreDir restores a directory archive (the CLI's DIR.z4ai/) through the binding's
// Archive (the C library's one implementation): member by member, then as a whole.
func restoreDir(t *testing.T, name string) map[string][]byte {
	root := filepath.Join(goldenDir(), "frames", name)
	a, err := OpenArchive(root)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	members, err := a.Members()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, m := range members {
		if m.Kind == MemberDirectory {
			continue
		}
		if out[m.Path], err = a.Read(m.Index); err != nil {
			t.Fatalf("%s/%s: %v", name, m.Stored, err)
		}
	}
	dst := filepath.Join(t.TempDir(), "restored")
	if err := a.Restore(dst); err != nil {
		t.Fatal(err)
	}
	for p, want := range out {
		got, err := os.ReadFile(filepath.Join(dst, p))
		if err != nil || string(got) != string(want) {
			t.Fatalf("%s: restored %s differs (%v)", name, p, err)
		}
	}
	return out
}

func goldenDir() string {
	if d := os.Getenv("Z4AI_GOLDEN"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "tests", "golden")
}

func goldenManifest(t *testing.T) (map[string]goldenEntry, []string) {
	if os.Getenv("Z4AI_SKIP_GOLDEN") == "1" {
		t.Skip("Z4AI_SKIP_GOLDEN=1 (ctest runs these as go_golden)")
	}
	raw, err := os.ReadFile(filepath.Join(goldenDir(), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]goldenEntry{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return m, names
}

func goldenFile(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join(goldenDir(), "frames", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var methodNames = map[int]string{TensorEmpty: "empty", TensorFrame: "frame", TensorSame: "same",
	TensorBaseCopy: "base_copy", TensorBaseDelta: "base_delta"}

// goldenCompressor: a Compressor set up from the CLI arguments recorded in the manifest.
func goldenCompressor(t *testing.T, e goldenEntry, threads int64, ref []byte) *Compressor {
	c, err := NewCompressor()
	if err != nil {
		t.Fatal(err)
	}
	set := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	set(c.SetParam(Z4AI_C_THREADS, threads))
	efforts := map[string]int64{"fast": EffortFast, "default": EffortDefault, "max": EffortMax}
	for i := 0; i < len(e.Args); i++ {
		switch a := e.Args[i]; a {
		case "--dtype":
			i++
			set(c.SetDtype(e.Args[i]))
		case "--effort":
			i++
			set(c.SetParam(Z4AI_C_EFFORT, efforts[e.Args[i]]))
		case "--chunk-size":
			i++
			n, _ := strconv.ParseInt(e.Args[i], 10, 64)
			set(c.SetParam(Z4AI_C_CHUNK_SIZE, n))
		case "--shape":
			i++
			var dims []int64
			for _, d := range strings.Split(e.Args[i], ",") {
				n, _ := strconv.ParseInt(d, 10, 64)
				dims = append(dims, n)
			}
			set(c.SetShape(dims...))
		case "--no-checksum":
			set(c.SetParam(Z4AI_C_CHECKSUM, 0))
		case "--reference":
			i++ // the entry's Reference names the committed file
		default:
			if !strings.HasPrefix(a, "(") {
				t.Fatalf("unexpected recorded argument %q", a)
			}
		}
	}
	if ref != nil {
		set(c.SetReference(ref))
	}
	return c
}

func TestGoldenVectors(t *testing.T) {
	m, names := goldenManifest(t)
	kinds := map[string]int{}
	for _, name := range names {
		e := m[name]
		kinds[e.Kind]++
		if e.Kind == "dir" {
			got := restoreDir(t, name)
			if len(got) != len(e.Files) {
				t.Fatalf("%s: %d files restored, want %d", name, len(got), len(e.Files))
			}
			for path, want := range e.Files {
				if sha(got[path]) != want.Sha256 {
					t.Fatalf("%s: %s: sha256 %s (want %s)", name, path, sha(got[path]), want.Sha256)
				}
			}
			continue
		}
		blob := goldenFile(t, name)
		d, err := NewDecompressor()
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		var base []byte
		switch e.Kind {
		case "":
			if e.Reference != nil {
				if err := d.SetReference(goldenFile(t, *e.Reference)); err != nil {
					t.Fatal(err)
				}
			}
			out, err = d.Decompress(blob)
		case "zstn":
			out, err = d.DecompressSafetensors(blob)
		case "z4dm":
			base = goldenFile(t, *e.Reference)
			out, err = d.DecompressModelDelta(blob, base)
		default:
			t.Fatalf("%s: unknown kind %q", name, e.Kind)
		}
		d.Close()
		if err != nil || len(out) != e.Size || sha(out) != e.Sha256 {
			t.Fatalf("%s: %v, %d bytes, sha256 %s (want %d, %s)", name, err, len(out), sha(out), e.Size, e.Sha256)
		}
		if e.Kind == "" {
			continue
		}
		c, err := OpenContainer(blob)
		if err != nil {
			t.Fatal(err)
		}
		if base != nil {
			if err := c.AttachBase(base); err != nil {
				t.Fatal(err)
			}
		}
		infos, err := c.Tensors()
		if err != nil || len(infos) != len(e.Tensors) {
			t.Fatalf("%s: %v, %d tensors (want %d)", name, err, len(infos), len(e.Tensors))
		}
		for _, info := range infos {
			want, ok := e.Tensors[info.Name]
			data, err := c.ReadTensor(info.Index)
			if !ok || err != nil || sha(data) != want.Sha256 || methodNames[info.Method] != want.Method {
				t.Fatalf("%s: tensor %q: %v, method %d (want %s), sha256 %s (want %s)", name, info.Name, err,
					info.Method, want.Method, sha(data), want.Sha256)
			}
		}
		c.Close()
		// The same object through the read-at path (ReadAt of each frame + read_tensor_from).
		f, err := os.Open(filepath.Join(goldenDir(), "frames", name))
		if err != nil {
			t.Fatal(err)
		}
		c, err = OpenContainerReaderAt(f, int64(len(blob)))
		if err != nil {
			t.Fatalf("%s: OpenContainerReaderAt: %v", name, err)
		}
		if base != nil {
			if err := c.AttachBase(base); err != nil {
				t.Fatal(err)
			}
		}
		for _, info := range infos {
			data, err := c.ReadTensor(info.Index)
			if err != nil || sha(data) != e.Tensors[info.Name].Sha256 {
				t.Fatalf("%s: tensor %q through io.ReaderAt: %v, sha256 %s", name, info.Name, err, sha(data))
			}
		}
		c.Close()
		f.Close()
	}
	if kinds[""] == 0 || kinds["zstn"] == 0 || kinds["z4dm"] == 0 || kinds["dir"] == 0 {
		t.Fatalf("manifest lacks a kind: %v", kinds)
	}
	t.Logf("%d golden vectors decoded (%v)", len(names), kinds)
}

// cliCompress runs the CLI on data with the entry's parameters at the given thread count.
func cliCompress(t *testing.T, cli string, e goldenEntry, data []byte, threads int) []byte {
	dir := t.TempDir()
	src, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if e.Kind != "" {
		src += ".safetensors" // the CLI picks a container by content; the name is cosmetic
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"compress", "-q", "-f", src, "-o", out, "-T", strconv.Itoa(threads)}
	if e.Reference != nil {
		args = append(args, "--reference", filepath.Join(goldenDir(), "frames", *e.Reference))
	}
	for i := 0; i < len(e.Args); i++ {
		switch {
		case e.Args[i] == "--reference":
			i++
		case !strings.HasPrefix(e.Args[i], "("):
			args = append(args, e.Args[i])
		}
	}
	if msg, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v %s", args, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenEncoderDeterminism(t *testing.T) {
	m, names := goldenManifest(t)
	cli := os.Getenv("Z4AI_CLI")
	for _, name := range names {
		e := m[name]
		if e.Kind == "dir" {
			continue // a CLI layout of frames and containers, which are covered one by one
		}
		blob := goldenFile(t, name)
		var ref []byte
		if e.Reference != nil {
			ref = goldenFile(t, *e.Reference)
		}
		d, _ := NewDecompressor()
		var data []byte
		var err error
		switch e.Kind {
		case "":
			if ref != nil {
				d.SetReference(ref)
			}
			data, err = d.Decompress(blob)
		case "zstn":
			data, err = d.DecompressSafetensors(blob)
		case "z4dm":
			data, err = d.DecompressModelDelta(blob, ref)
		}
		d.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var oneShot, streamed [2][]byte
		for k, threads := range []int64{1, 2} {
			frameRef := ref
			if e.Kind != "" {
				frameRef = nil // containers take the base as an argument
			}
			c := goldenCompressor(t, e, threads, frameRef)
			switch e.Kind {
			case "":
				oneShot[k], err = c.Compress(data)
			case "zstn":
				oneShot[k], err = c.CompressSafetensors(data)
			case "z4dm":
				oneShot[k], err = c.CompressModelDelta(data, ref)
			}
			c.Close()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if e.Kind != "" {
				continue
			}
			c = goldenCompressor(t, e, threads, ref)
			if err := c.SetPledgedSize(int64(len(data))); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w, err := NewWriter(&buf, c)
			if err != nil {
				t.Fatal(err)
			}
			half := len(data) / 3
			if _, err := w.Write(data[:half]); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data[half:]); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			streamed[k] = buf.Bytes()
		}
		if !bytes.Equal(oneShot[0], oneShot[1]) {
			t.Fatalf("%s: one-shot output depends on the thread count", name)
		}
		cliRef := oneShot[0] // containers: the CLI writes what the one-shot call does
		if e.Kind == "" {
			if !bytes.Equal(streamed[0], streamed[1]) {
				t.Fatalf("%s: streamed frame depends on the thread count", name)
			}
			desc, err := Describe(oneShot[0])
			if err != nil {
				t.Fatal(err)
			}
			// Only one-shot compression dedups whole repeated chunks (DUP blocks,
			// docs/STRUCTURE.md); otherwise one-shot and streamed frames are equal.
			if strings.Contains(desc, `"type": "dup"`) || strings.Contains(desc, `"type":"dup"`) {
				if len(oneShot[0]) >= len(streamed[0]) {
					t.Fatalf("%s: DUP blocks but not smaller than the streamed frame", name)
				}
			} else if !bytes.Equal(oneShot[0], streamed[0]) {
				t.Fatalf("%s: one-shot and streamed frames differ", name)
			}
			cliRef = streamed[0] // the CLI streams
		}
		if cli == "" {
			continue
		}
		for _, threads := range []int{1, 2} {
			if !bytes.Equal(cliCompress(t, cli, e, data, threads), cliRef) {
				t.Fatalf("%s: the CLI's -T %d output differs from the Go binding's", name, threads)
			}
		}
	}
	t.Logf("%d vectors (directory archives aside): identical output at 1 and 2 threads, one-shot, streamed and CLI",
		len(names)-1)
}
