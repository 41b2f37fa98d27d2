//! z4ai-example compress IN OUT [--dtype D] | decompress IN OUT
//! Streams in bounded memory; the frame is byte-identical to `z4ai compress --dtype D IN`.
use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::exit;

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: z4ai-example compress IN OUT [--dtype D] | decompress IN OUT";
    match (args.get(1).map(String::as_str), args.len()) {
        (Some("compress"), 4) | (Some("compress"), 6) => {
            let mut params = z4ai::Params::default();
            if args.len() == 6 {
                if args[4] != "--dtype" {
                    return Err(usage.into());
                }
                params.dtype = z4ai::dtype_from_name(&args[5])?;
            }
            let mut input = File::open(&args[2])?;
            let size = input.metadata()?.len();
            let mut out = BufWriter::new(File::create(&args[3])?);
            z4ai::Compressor::new(&params)?.compress_stream(&mut input, &mut out, Some(size))?;
            out.flush()?;
        }
        (Some("decompress"), 4) => {
            let mut input = File::open(&args[2])?;
            let mut out = BufWriter::new(File::create(&args[3])?);
            z4ai::Decompressor::new()?.decompress_stream(&mut input, &mut out)?;
            out.flush()?;
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Err(e) = run(&args) {
        eprintln!("z4ai-example: {}", e);
        exit(1);
    }
}
