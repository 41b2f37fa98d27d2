package z4ai

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type stTensor struct {
	name, dtype string
	shape       []int64
	data        []byte
}

// safetensorsFile builds a .safetensors file (header padded with spaces to 8 bytes).
func safetensorsFile(ts []stTensor) []byte {
	var h strings.Builder
	h.WriteString(`{"__metadata__":{"format":"pt"}`)
	off := 0
	for _, t := range ts {
		dims := make([]string, len(t.shape))
		for i, d := range t.shape {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(&h, `,"%s":{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}`, t.name, t.dtype,
			strings.Join(dims, ","), off, off+len(t.data))
		off += len(t.data)
	}
	h.WriteString("}")
	hb := []byte(h.String())
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hb)))
	out = append(out, hb...)
	for _, t := range ts {
		out = append(out, t.data...)
	}
	return out
}

func cliRun(t *testing.T, cli string, args ...string) {
	t.Helper()
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("z4ai %v: %v %s", args, err, out)
	}
}

func mustEqual(t *testing.T, what string, got, want []byte, err error) {
	t.Helper()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: err %v, %d vs %d bytes", what, err, len(got), len(want))
	}
}

func TestContainers(t *testing.T) {
	w := weights(64*96, 7)
	bf := weights(300, 8)[:600]
	ts := []stTensor{
		{"model.w", "F32", []int64{64, 96}, w},
		{"model.b", "BF16", []int64{300}, bf},
		{"tied.w", "F32", []int64{64, 96}, w},
		{"empty", "I8", []int64{0}, nil},
		{"scalar", "F32", []int64{}, weights(1, 10)},
		{"grüße.h", "F16", []int64{5, 7}, weights(35, 9)[:70]},
	}
	codes := []int{Z4AI_DTYPE_FP32, Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP32, Z4AI_DTYPE_INT8, Z4AI_DTYPE_FP32, Z4AI_DTYPE_FP16}
	st := safetensorsFile(ts)
	orig := append([]byte(nil), st...)

	zstn, err := CompressSafetensors(st)
	if err != nil || !bytes.Equal(st, orig) || len(zstn) >= len(st) {
		t.Fatalf("compress: %v %d/%d", err, len(zstn), len(st))
	}
	if k, err := DetectKind(zstn); err != nil || k != KindContainer {
		t.Fatalf("kind %d %v", k, err)
	}
	back, err := DecompressSafetensors(zstn)
	mustEqual(t, ".zstn round trip", back, st, err)

	c, err := OpenContainer(zstn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, err := c.Len(); err != nil || n != len(ts) {
		t.Fatalf("len %d %v", n, err)
	}
	off := int64(0)
	for i, want := range ts {
		idx, err := c.Find(want.name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Tensor(idx)
		if err != nil || info.Name != want.name || info.Dtype != codes[i] || !reflect.DeepEqual(info.Shape, want.shape) ||
			info.NBytes != int64(len(want.data)) || info.DataOffset != off {
			t.Fatalf("tensor info %+v %v", info, err)
		}
		off += int64(len(want.data))
		data, err := c.ReadTensor(idx)
		mustEqual(t, "read "+want.name, data, want.data, err)
	}
	wi, _ := c.Find("model.w")
	tied, _ := c.Find("tied.w")
	if info, _ := c.Tensor(tied); info.Method != TensorSame || info.Ref != int64(wi) || info.StoredSize != 0 {
		t.Fatalf("tied tensor not stored once: %+v", info)
	}
	part, err := c.ReadElements(wi, 1000, 333)
	mustEqual(t, "element range", part, w[4000:4000+333*4], err)
	dst := make([]byte, len(w)+5)
	if n, err := c.ReadTensorInto(wi, dst[5:]); err != nil || n != len(w) || !bytes.Equal(dst[5:], w) {
		t.Fatalf("read into: %d %v", n, err)
	}
	_, err = c.Find("nope")
	wantStatus(t, err, "Z4AI_E_NOT_FOUND")
	_, err = c.ReadElements(wi, 64*96-10, 11)
	wantStatus(t, err, "Z4AI_E_PARAM_OUT_OF_BOUNDS")
	hl := binary.LittleEndian.Uint64(st)
	if h, err := c.HeaderJSON(); err != nil || h != string(st[8:8+hl]) {
		t.Fatalf("header JSON %v", err)
	}
	if d, err := c.Describe(); err != nil || !strings.Contains(d, "tied.w") {
		t.Fatalf("describe %v", err)
	}
	all, err := c.Restore()
	mustEqual(t, "restore", all, st, err)
	c.Close()
	c.Close()
	_, err = c.Len()
	wantStatus(t, err, "Z4AI_E_STAGE_WRONG")

	// plain .safetensors
	raw, err := OpenContainer(st)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	bi, _ := raw.Find("model.b")
	if info, _ := raw.Tensor(bi); info.Method != TensorRaw {
		t.Fatalf("raw method %+v", info)
	}
	data, err := raw.ReadTensor(bi)
	mustEqual(t, "raw read", data, bf, err)

	// hostile input
	_, err = DecompressSafetensors(zstn[:len(zstn)-9])
	wantStatus(t, err, "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT")
	_, err = OpenContainer(zstn[:20])
	wantStatus(t, err, "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT", "Z4AI_E_UNKNOWN_FORMAT")
	flipped := append([]byte(nil), zstn...)
	flipped[len(zstn)/3] ^= 0x10
	_, err = DecompressSafetensors(flipped)
	wantStatus(t, err, "Z4AI_E_CHECKSUM", "Z4AI_E_CORRUPT")
	_, err = CompressSafetensors(st[:40])
	wantStatus(t, err, "Z4AI_E_SAFETENSORS_INVALID")

	// model delta
	w2 := append([]byte(nil), w...)
	for i := 0; i < len(w2); i += 64 {
		w2[i] ^= 3
	}
	fts := append([]stTensor(nil), ts...)
	fts[0].data = w2
	fine := safetensorsFile(fts)
	cc, _ := NewCompressor()
	defer cc.Close()
	delta, err := cc.CompressModelDelta(fine, st)
	if err != nil || len(delta) >= len(zstn) {
		t.Fatalf("model delta: %v %d", err, len(delta))
	}
	dd, _ := NewDecompressor()
	defer dd.Close()
	got, err := dd.DecompressModelDelta(delta, st)
	mustEqual(t, "model delta round trip", got, fine, err)
	_, err = dd.DecompressModelDelta(delta, fine)
	wantStatus(t, err, "Z4AI_E_REFERENCE_MISMATCH")
	dr, err := OpenContainer(delta)
	if err != nil {
		t.Fatal(err)
	}
	defer dr.Close()
	dwi, _ := dr.Find("model.w")
	_, err = dr.ReadTensor(dwi)
	wantStatus(t, err, "Z4AI_E_REFERENCE_MISSING")
	if err := dr.AttachBase(st); err != nil {
		t.Fatal(err)
	}
	got, err = dr.ReadTensor(dwi)
	mustEqual(t, "delta reader", got, w2, err)
	dbi, _ := dr.Find("model.b")
	if info, _ := dr.Tensor(dbi); info.Method != TensorBaseCopy {
		t.Fatalf("unchanged tensor not a base copy: %+v", info)
	}

	// byte identity with the CLI
	cli := os.Getenv("Z4AI_CLI")
	if cli == "" {
		t.Log("Z4AI_CLI not set: CLI identity not checked")
		return
	}
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(p("m.safetensors"), st, 0o644)
	os.WriteFile(p("f.safetensors"), fine, 0o644)
	cliRun(t, cli, "compress", "-q", "-f", p("m.safetensors"), "-o", p("cli.zstn"))
	cliZstn, _ := os.ReadFile(p("cli.zstn"))
	mustEqual(t, "Go .zstn identical to the CLI's", zstn, cliZstn, nil)
	if n, err := cc.CompressSafetensorsFile(p("m.safetensors"), p("go.zstn")); err != nil || n != int64(len(zstn)) {
		t.Fatalf("file compress %d %v", n, err)
	}
	goZstn, _ := os.ReadFile(p("go.zstn"))
	mustEqual(t, "file compress bytes", goZstn, zstn, nil)
	cliRun(t, cli, "decompress", "-q", "-f", p("go.zstn"), "-o", p("cli.safetensors"))
	restored, _ := os.ReadFile(p("cli.safetensors"))
	mustEqual(t, "CLI restores the Go .zstn", restored, st, nil)
	if _, err := dd.DecompressSafetensorsFile(p("cli.zstn"), p("go.safetensors")); err != nil {
		t.Fatal(err)
	}
	restored, _ = os.ReadFile(p("go.safetensors"))
	mustEqual(t, "Go restores the CLI .zstn", restored, st, nil)
	cliRun(t, cli, "extract", p("cli.zstn"), "model.w", "-o", p("el.bin"), "--elements", "1000:1333")
	fc, err := OpenContainerFile(p("cli.zstn"))
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	fwi, _ := fc.Find("model.w")
	el, _ := os.ReadFile(p("el.bin"))
	part, err = fc.ReadElements(fwi, 1000, 333)
	mustEqual(t, "element range equals the CLI's extract", part, el, err)
	if _, nb, err := fc.IOStats(); err != nil || nb >= int64(len(cliZstn)) {
		t.Fatalf("file reader read %d of %d bytes (%v)", nb, len(cliZstn), err)
	}
	cliRun(t, cli, "compress", "-q", "-f", "--reference", p("m.safetensors"), p("f.safetensors"), "-o", p("cli.z4dm"))
	cliDelta, _ := os.ReadFile(p("cli.z4dm"))
	mustEqual(t, "Go .z4dm identical to the CLI's", delta, cliDelta, nil)
	if _, err := dd.DecompressModelDeltaFile(p("cli.z4dm"), p("m.safetensors"), p("fine.out")); err != nil {
		t.Fatal(err)
	}
	restored, _ = os.ReadFile(p("fine.out"))
	mustEqual(t, "Go restores the CLI .z4dm", restored, fine, nil)
}
