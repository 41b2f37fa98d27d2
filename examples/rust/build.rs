// Links libz4ai. Library directory, in order: $Z4AI_LIB_DIR (a build tree), else
// `pkg-config --libs z4ai` (an installed z4ai, or the build tree's z4ai.pc written by
// examples/run.sh); an rpath is added so the binary runs without LD_LIBRARY_PATH.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=Z4AI_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let mut dirs: Vec<String> = Vec::new();
    if let Ok(dir) = env::var("Z4AI_LIB_DIR") {
        dirs.push(dir);
    } else if let Ok(out) = Command::new("pkg-config").args(["--libs-only-L", "z4ai"]).output() {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            dirs.extend(text.split_whitespace().filter_map(|f| f.strip_prefix("-L")).map(String::from));
        }
    }
    for dir in &dirs {
        println!("cargo:rustc-link-search=native={}", dir);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
    println!("cargo:rustc-link-lib=dylib=z4ai");
}
