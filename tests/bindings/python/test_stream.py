"""Streaming objects and the file-like open()."""
import io

import numpy as np
import pytest

import z4ai
from conftest import weights_like


def test_compressor_one_byte_feeds_and_big_feeds(rng):
    data = weights_like(rng, 20000).tobytes()
    c = z4ai.Compressor(dtype="fp32", chunk_size=4096)
    parts = [c.compress(data[i:i + 1]) for i in range(0, 5000)]
    parts.append(c.compress(data[5000:]))
    parts.append(c.finish())
    frame = b"".join(parts)
    assert z4ai.decompress(frame) == data
    # the context is ready for the next frame with the same settings
    frame2 = c.compress(data) + c.finish()
    assert z4ai.decompress(frame2) == data
    c.close()
    c.close()
    with pytest.raises(z4ai.StageError):
        c.compress(b"x")


def test_pledged_size_recorded(rng):
    data = weights_like(rng, 10000).tobytes()
    with z4ai.Compressor(dtype="fp32", size=len(data)) as c:
        frame = c.compress(data) + c.finish()
    assert z4ai.frame_info(frame[:64]).content_size == len(data)
    with z4ai.Compressor(dtype="fp32") as c:
        frame = c.compress(data) + c.finish()
    assert z4ai.decompress(frame) == data  # size known only at the end: still decodes


def test_flush_emits_buffered_input(rng):
    data = weights_like(rng, 1000).tobytes()
    c = z4ai.Compressor(dtype="fp32")
    head = c.compress(data)  # less than a chunk: at most the frame header comes out
    assert len(head) < 100
    part = c.flush()
    assert len(part) > 100  # the buffered input, emitted as a short chunk
    frame = head + part + c.compress(data) + c.finish()
    assert z4ai.decompress(frame) == data + data


def test_decompressor_byte_by_byte_max_length_and_unused_data(rng):
    data = weights_like(rng, 30000).tobytes()
    frame = z4ai.compress(data, dtype="fp32", chunk_size=8192)
    d = z4ai.Decompressor()
    out = b"".join(d.decompress(frame[i:i + 1]) for i in range(len(frame)))
    assert out == data and d.eof and d.unused_data == b""
    with pytest.raises(EOFError):
        d.decompress(b"x")

    d = z4ai.Decompressor()
    got = [d.decompress(frame + b"TRAILER", max_length=1000)]
    while not d.eof:
        assert len(got[-1]) <= 1000
        got.append(d.decompress(b"", max_length=1000))
    assert b"".join(got) == data and d.unused_data == b"TRAILER"


def test_decompressor_reports_corruption(rng):
    frame = bytearray(z4ai.compress(weights_like(rng, 30000).tobytes(), dtype="fp32"))
    frame[len(frame) // 2] ^= 0xFF
    d = z4ai.Decompressor()
    with pytest.raises(z4ai.Error) as e:
        d.decompress(bytes(frame))
    assert e.value.name.startswith("Z4AI_E_")


def test_open_write_read_paths_and_concatenation(tmp_path, rng):
    data = weights_like(rng, 300000, np.float16).tobytes()
    p = tmp_path / "w.z4ai"
    with z4ai.open(p, "wb", dtype="fp16", chunk_size=65536) as f:
        for i in range(0, len(data), 12345):
            assert f.write(data[i:i + 12345]) == len(data[i:i + 12345])
        assert f.tell() == len(data)
    assert z4ai.decompress(p.read_bytes()) == data
    with z4ai.open(str(p), "ab", dtype="fp16") as f:  # a second frame
        f.write(b"\1\2" * 10)
    with z4ai.open(p) as f:
        assert f.read(5) == data[:5]
        assert f.read1(10) == data[5:15]
        rest = f.read()
    assert data[:15] + rest == data + b"\1\2" * 10
    with z4ai.open(p) as f:
        buf = bytearray(1000)
        assert f.readinto(buf) == 1000 and bytes(buf) == data[:1000]
    with z4ai.open(p, "rb") as f:
        assert b"".join(iter(lambda: f.read(7777), b"")) == data + b"\1\2" * 10
    with pytest.raises(FileExistsError):
        z4ai.open(p, "xb")


def test_open_file_objects_and_errors(rng):
    raw = io.BytesIO()
    with z4ai.open(raw, "wb") as f:
        f.write(b"hello " * 1000)
        with pytest.raises(io.UnsupportedOperation):
            f.read()
    assert not raw.closed  # not ours to close
    good = raw.getvalue()
    with z4ai.open(io.BytesIO(good)) as f:
        assert f.read() == b"hello " * 1000
    with z4ai.open(io.BytesIO(good[:-3])) as f, pytest.raises(z4ai.Error):
        f.read()
    with z4ai.open(io.BytesIO(good + b"junk!")) as f, pytest.raises(z4ai.Error):
        f.read()
    with z4ai.open(io.BytesIO(b"")) as f:
        assert f.read() == b""
    with pytest.raises(ValueError):
        z4ai.open(io.BytesIO(), "rw")


def test_reference_buffer_is_pinned_while_held(rng):
    ref = bytearray(weights_like(rng, 1000).tobytes())
    c = z4ai.Compressor(dtype="fp32", reference=ref)
    with pytest.raises(BufferError):
        ref.extend(b"1234")  # the context points into it: resizing is refused
    cur = bytearray(ref)
    cur[0] ^= 1
    frame = c.compress(cur) + c.finish()
    c.close()
    ref.extend(b"1234")  # released by close()
    del ref[-4:]
    assert z4ai.decompress_delta(frame, ref) == cur
