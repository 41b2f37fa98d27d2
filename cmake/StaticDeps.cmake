# Z4AI_STATIC_DEPS: link zstd and brotli from their static archives, so that the
# Python wheel (extension module and bundled CLI) needs nothing but libc at run time.
# Debian's libzstd.a is not built with -fPIC; it still links into shared objects here
# because every such object (libz4ai.so, the Python extension) has a version script
# that makes all but its own API local, so no relocation against a preemptible symbol
# remains.
foreach(_lib zstd brotlienc brotlidec brotlicommon)
  find_library(Z4AI_${_lib}_ARCHIVE NAMES lib${_lib}.a HINTS ${ZSTD_LIBRARY_DIRS} ${BROTLI_LIBRARY_DIRS} REQUIRED)
endforeach()
set_property(TARGET PkgConfig::ZSTD PROPERTY INTERFACE_LINK_LIBRARIES ${Z4AI_zstd_ARCHIVE})
set_property(TARGET PkgConfig::BROTLI PROPERTY INTERFACE_LINK_LIBRARIES
             ${Z4AI_brotlienc_ARCHIVE} ${Z4AI_brotlidec_ARCHIVE} ${Z4AI_brotlicommon_ARCHIVE})
message(STATUS "z4ai: zstd and brotli linked statically (${Z4AI_zstd_ARCHIVE})")
