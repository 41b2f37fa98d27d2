package z4ai

// Compiler and linker flags for the SWIG wrapper: z4ai.h and libz4ai from pkg-config
// (an installed z4ai, or a build tree's z4ai.pc on PKG_CONFIG_PATH); the SWIG interface
// from this module (go passes CFLAGS' -I to swig).

// #cgo pkg-config: z4ai
// #cgo CFLAGS: -I${SRCDIR}/../../swig
import "C"
