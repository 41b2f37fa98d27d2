//! A safe Rust wrapper over z4ai's C ABI (`z4ai.h`), written by hand with `extern "C"`.
//!
//! [`Compressor`] and [`Decompressor`] own a native context and free it in `Drop`;
//! errors are [`Error`] values carrying the pinned status code and name
//! (e.g. `Z4AI_E_CORRUPT`) plus the context's detail text. Inputs are never modified.

use std::ffi::{CStr, CString};
use std::fmt;
use std::io::{self, Read, Write};
use std::os::raw::{c_char, c_void};

/// Raw declarations of the C ABI functions this wrapper uses.
pub mod ffi {
    use std::os::raw::{c_char, c_void};

    #[repr(C)]
    pub struct z4ai_cctx {
        _private: [u8; 0],
    }
    #[repr(C)]
    pub struct z4ai_dctx {
        _private: [u8; 0],
    }

    pub const Z4AI_C_LEVEL: i32 = 100;
    pub const Z4AI_C_EFFORT: i32 = 101;
    pub const Z4AI_C_DTYPE: i32 = 102;
    pub const Z4AI_C_THREADS: i32 = 103;
    pub const Z4AI_C_CHECKSUM: i32 = 105;
    pub const Z4AI_D_THREADS: i32 = 200;
    pub const Z4AI_CONTINUE: i32 = 0;
    pub const Z4AI_END: i32 = 2;
    pub const Z4AI_E_MEMORY: i32 = -2;
    pub const Z4AI_E_TRUNCATED: i32 = -12;
    pub const Z4AI_E_IO: i32 = -16;

    extern "C" {
        pub fn z4ai_version_string() -> *const c_char;
        pub fn z4ai_status_name(status: i32) -> *const c_char;
        pub fn z4ai_dtype_from_name(name: *const c_char, dtype: *mut i32) -> i32;
        pub fn z4ai_compress_bound(src_size: u64) -> usize;

        pub fn z4ai_cctx_create() -> *mut z4ai_cctx;
        pub fn z4ai_cctx_free(cctx: *mut z4ai_cctx);
        pub fn z4ai_cctx_set_param(cctx: *mut z4ai_cctx, param: i32, value: i64) -> i32;
        pub fn z4ai_cctx_set_pledged_size(cctx: *mut z4ai_cctx, size: u64) -> i32;
        pub fn z4ai_cctx_last_error(cctx: *const z4ai_cctx) -> *const c_char;
        pub fn z4ai_cstream_in_size(cctx: *const z4ai_cctx) -> usize;
        pub fn z4ai_compress(
            cctx: *mut z4ai_cctx, dst: *mut c_void, dst_capacity: usize, src: *const c_void, src_size: usize,
            written: *mut usize,
        ) -> i32;
        pub fn z4ai_compress_stream_args(
            cctx: *mut z4ai_cctx, dst: *mut c_void, dst_size: usize, dst_pos: *mut usize, src: *const c_void,
            src_size: usize, src_pos: *mut usize, end_op: i32, remaining: *mut usize,
        ) -> i32;

        pub fn z4ai_dctx_create() -> *mut z4ai_dctx;
        pub fn z4ai_dctx_free(dctx: *mut z4ai_dctx);
        pub fn z4ai_dctx_set_param(dctx: *mut z4ai_dctx, param: i32, value: i64) -> i32;
        pub fn z4ai_dctx_last_error(dctx: *const z4ai_dctx) -> *const c_char;
        pub fn z4ai_dstream_out_size(dctx: *const z4ai_dctx) -> usize;
        pub fn z4ai_frame_content_size(src: *const c_void, src_size: usize, size: *mut u64) -> i32;
        pub fn z4ai_decompress(
            dctx: *mut z4ai_dctx, dst: *mut c_void, dst_capacity: usize, src: *const c_void, src_size: usize,
            written: *mut usize,
        ) -> i32;
        pub fn z4ai_decompress_stream_args(
            dctx: *mut z4ai_dctx, dst: *mut c_void, dst_size: usize, dst_pos: *mut usize, src: *const c_void,
            src_size: usize, src_pos: *mut usize, remaining: *mut usize,
        ) -> i32;
    }
}

fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: z4ai returns NUL-terminated static or context-owned strings.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// A failed z4ai call: the pinned status code, its name and the detail text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: i32,
    pub name: String,
    pub detail: String,
}

impl Error {
    fn new(status: i32, detail: String) -> Error {
        // SAFETY: z4ai_status_name accepts any value and returns a static string.
        let name = cstr(unsafe { ffi::z4ai_status_name(status) });
        Error { status, name, detail }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}: {}", self.name, self.detail)
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Version string of the loaded library.
pub fn version() -> String {
    // SAFETY: static string.
    cstr(unsafe { ffi::z4ai_version_string() })
}

/// dtype code of a name or alias ("bf16", "bfloat16", "float32", ...).
pub fn dtype_from_name(name: &str) -> Result<i32> {
    let c = CString::new(name).map_err(|_| Error::new(-11, format!("bad dtype name {:?}", name)))?;
    let mut code = 0i32;
    // SAFETY: valid C string and out pointer.
    let s = unsafe { ffi::z4ai_dtype_from_name(c.as_ptr(), &mut code) };
    if s != 0 {
        return Err(Error::new(s, format!("unknown dtype {:?}", name)));
    }
    Ok(code)
}

/// Compression settings (the same names and defaults as `z4ai compress`).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub dtype: i32,
    /// 0 fast, 1 default, 2 max.
    pub effort: i32,
    /// LZ level, 0 = tier default.
    pub level: i32,
    /// 0 = all cores (the frame does not depend on it).
    pub threads: i32,
    pub checksum: bool,
}

impl Default for Params {
    fn default() -> Params {
        Params { dtype: 0, effort: 1, level: 0, threads: 0, checksum: true }
    }
}

/// A compression context; freed when dropped.
pub struct Compressor {
    ctx: *mut ffi::z4ai_cctx,
}

// A context may move between threads (z4ai.h), never be shared.
unsafe impl Send for Compressor {}

impl Compressor {
    pub fn new(p: &Params) -> Result<Compressor> {
        // SAFETY: plain constructor; NULL means out of memory.
        let ctx = unsafe { ffi::z4ai_cctx_create() };
        if ctx.is_null() {
            return Err(Error::new(ffi::Z4AI_E_MEMORY, "cannot create a context".into()));
        }
        let c = Compressor { ctx };
        c.set(ffi::Z4AI_C_DTYPE, p.dtype as i64)?;
        c.set(ffi::Z4AI_C_EFFORT, p.effort as i64)?;
        c.set(ffi::Z4AI_C_LEVEL, p.level as i64)?;
        c.set(ffi::Z4AI_C_THREADS, p.threads as i64)?;
        c.set(ffi::Z4AI_C_CHECKSUM, p.checksum as i64)?;
        Ok(c)
    }

    fn check(&self, s: i32) -> Result<()> {
        if s == 0 {
            Ok(())
        } else {
            // SAFETY: ctx is live for &self.
            Err(Error::new(s, cstr(unsafe { ffi::z4ai_cctx_last_error(self.ctx) })))
        }
    }

    fn set(&self, param: i32, value: i64) -> Result<()> {
        // SAFETY: ctx is live; the C side validates param/value.
        self.check(unsafe { ffi::z4ai_cctx_set_param(self.ctx, param, value) })
    }

    /// Compresses `src` into one frame.
    pub fn compress(&mut self, src: &[u8]) -> Result<Vec<u8>> {
        // SAFETY: pure function.
        let cap = unsafe { ffi::z4ai_compress_bound(src.len() as u64) };
        let mut out = vec![0u8; cap];
        let mut written = 0usize;
        // SAFETY: buffers are valid for the lengths given; src is only read.
        let s = unsafe {
            ffi::z4ai_compress(self.ctx, out.as_mut_ptr() as *mut c_void, cap, src.as_ptr() as *const c_void,
                               src.len(), &mut written)
        };
        self.check(s)?;
        out.truncate(written);
        Ok(out)
    }

    /// Streams `input` to `output` as one frame in bounded memory. `size`, when known,
    /// is pledged so the header records the content size (as the CLI does for files).
    pub fn compress_stream<R: Read, W: Write>(&mut self, input: &mut R, output: &mut W, size: Option<u64>)
        -> io::Result<u64> {
        if let Some(n) = size {
            // SAFETY: ctx is live.
            self.check(unsafe { ffi::z4ai_cctx_set_pledged_size(self.ctx, n) })?;
        }
        // SAFETY: ctx is live.
        let in_cap = unsafe { ffi::z4ai_cstream_in_size(self.ctx) };
        let out_cap = unsafe { ffi::z4ai_compress_bound(in_cap as u64) };
        let (mut ibuf, mut obuf) = (vec![0u8; in_cap], vec![0u8; out_cap]);
        let mut total = 0u64;
        loop {
            let got = read_full(input, &mut ibuf)?;
            let eof = got < in_cap;
            let (mut ipos, mut remaining) = (0usize, 0usize);
            loop {
                let mut opos = 0usize;
                // SAFETY: ibuf[..got] is readable, obuf is writable for out_cap bytes.
                let s = unsafe {
                    ffi::z4ai_compress_stream_args(self.ctx, obuf.as_mut_ptr() as *mut c_void, out_cap, &mut opos,
                        ibuf.as_ptr() as *const c_void, got, &mut ipos,
                        if eof { ffi::Z4AI_END } else { ffi::Z4AI_CONTINUE }, &mut remaining)
                };
                self.check(s)?;
                output.write_all(&obuf[..opos])?;
                total += opos as u64;
                if !(ipos < got || (eof && remaining > 0)) {
                    break;
                }
            }
            if eof {
                return Ok(total);
            }
        }
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: ctx came from z4ai_cctx_create and is freed exactly once.
        unsafe { ffi::z4ai_cctx_free(self.ctx) }
    }
}

/// A decompression context; freed when dropped.
pub struct Decompressor {
    ctx: *mut ffi::z4ai_dctx,
}

unsafe impl Send for Decompressor {}

impl Decompressor {
    pub fn new() -> Result<Decompressor> {
        // SAFETY: plain constructor.
        let ctx = unsafe { ffi::z4ai_dctx_create() };
        if ctx.is_null() {
            return Err(Error::new(ffi::Z4AI_E_MEMORY, "cannot create a context".into()));
        }
        let d = Decompressor { ctx };
        // SAFETY: ctx is live.
        d.check(unsafe { ffi::z4ai_dctx_set_param(d.ctx, ffi::Z4AI_D_THREADS, 0) })?;
        Ok(d)
    }

    fn check(&self, s: i32) -> Result<()> {
        if s == 0 {
            Ok(())
        } else {
            // SAFETY: ctx is live for &self.
            Err(Error::new(s, cstr(unsafe { ffi::z4ai_dctx_last_error(self.ctx) })))
        }
    }

    /// Decompresses one complete frame.
    pub fn decompress(&mut self, frame: &[u8]) -> Result<Vec<u8>> {
        let mut size = 0u64;
        // SAFETY: frame is readable for its length.
        let s = unsafe { ffi::z4ai_frame_content_size(frame.as_ptr() as *const c_void, frame.len(), &mut size) };
        self.check(s)?;
        if size == u64::MAX {
            return Err(Error::new(ffi::Z4AI_E_TRUNCATED, "content size unknown: incomplete frame".into()));
        }
        let mut out = vec![0u8; size as usize];
        let mut written = 0usize;
        // SAFETY: out is writable for size bytes; frame is only read.
        let s = unsafe {
            ffi::z4ai_decompress(self.ctx, out.as_mut_ptr() as *mut c_void, out.len(),
                                 frame.as_ptr() as *const c_void, frame.len(), &mut written)
        };
        self.check(s)?;
        out.truncate(written);
        Ok(out)
    }

    /// Streams frames from `input` to `output` in bounded memory (concatenated frames
    /// decode one after another). A frame cut short is Z4AI_E_TRUNCATED.
    pub fn decompress_stream<R: Read, W: Write>(&mut self, input: &mut R, output: &mut W) -> io::Result<u64> {
        // SAFETY: ctx is live.
        let out_cap = unsafe { ffi::z4ai_dstream_out_size(self.ctx) };
        let (mut ibuf, mut obuf) = (vec![0u8; 1 << 20], vec![0u8; out_cap]);
        let (mut total, mut in_frame, mut seen) = (0u64, false, false);
        loop {
            let got = input.read(&mut ibuf)?;
            if got == 0 {
                break;
            }
            seen = true;
            let (mut ipos, mut remaining) = (0usize, 1usize);
            while ipos < got || remaining > 0 {
                let (mut opos, before) = (0usize, ipos);
                // SAFETY: ibuf[..got] readable, obuf writable for out_cap bytes.
                let s = unsafe {
                    ffi::z4ai_decompress_stream_args(self.ctx, obuf.as_mut_ptr() as *mut c_void, out_cap, &mut opos,
                        ibuf.as_ptr() as *const c_void, got, &mut ipos, &mut remaining)
                };
                self.check(s)?;
                output.write_all(&obuf[..opos])?;
                total += opos as u64;
                in_frame = remaining != 0;
                if !in_frame && ipos == got {
                    break;
                }
                if !in_frame {
                    remaining = 1; // concatenated frames: decode the next one
                }
                if opos == 0 && ipos == before {
                    break; // needs more input
                }
            }
        }
        if in_frame || !seen {
            let what = if seen { "input ended inside a frame" } else { "empty input" };
            return Err(Error::new(ffi::Z4AI_E_TRUNCATED, what.into()).into());
        }
        Ok(total)
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: ctx came from z4ai_dctx_create and is freed exactly once.
        unsafe { ffi::z4ai_dctx_free(self.ctx) }
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| ((i % 977) as f32 * 0.001).to_le_bytes()).collect();
        let p = Params { dtype: dtype_from_name("fp32").unwrap(), ..Params::default() };
        let frame = Compressor::new(&p).unwrap().compress(&data).unwrap();
        assert!(frame.len() < data.len());
        let mut d = Decompressor::new().unwrap();
        assert_eq!(d.decompress(&frame).unwrap(), data);
        // Streaming gives the same frame as the one-shot call when the size is pledged.
        let mut streamed = Vec::new();
        Compressor::new(&p).unwrap().compress_stream(&mut &data[..], &mut streamed, Some(data.len() as u64)).unwrap();
        let mut back = Vec::new();
        d.decompress_stream(&mut &streamed[..], &mut back).unwrap();
        assert_eq!(back, data);
        // Damage is an error with the pinned status name, never a crash.
        let mut bad = frame.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x55;
        let e = d.decompress(&bad).unwrap_err();
        assert!(e.name.starts_with("Z4AI_E_"), "{}", e);
        assert_eq!(dtype_from_name("no-such").unwrap_err().name, "Z4AI_E_DTYPE_UNKNOWN");
        // Many contexts: Drop frees them (run under valgrind/ASan to see it).
        for _ in 0..2000 {
            let mut c = Compressor::new(&p).unwrap();
            let f = c.compress(&data[..4096]).unwrap();
            assert_eq!(Decompressor::new().unwrap().decompress(&f).unwrap(), &data[..4096]);
        }
    }
}
