find_package(PkgConfig)

PKG_CHECK_MODULES(PC_GR_AMRCOMPRESS gnuradio-amrcompress)

FIND_PATH(
    GR_AMRCOMPRESS_INCLUDE_DIRS
    NAMES gnuradio/amrcompress/api.h
    HINTS $ENV{AMRCOMPRESS_DIR}/include
        ${PC_AMRCOMPRESS_INCLUDEDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/include
          /usr/local/include
          /usr/include
)

FIND_LIBRARY(
    GR_AMRCOMPRESS_LIBRARIES
    NAMES gnuradio-amrcompress
    HINTS $ENV{AMRCOMPRESS_DIR}/lib
        ${PC_AMRCOMPRESS_LIBDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/lib
          ${CMAKE_INSTALL_PREFIX}/lib64
          /usr/local/lib
          /usr/local/lib64
          /usr/lib
          /usr/lib64
          )

include("${CMAKE_CURRENT_LIST_DIR}/gnuradio-amrcompressTarget.cmake")

INCLUDE(FindPackageHandleStandardArgs)
FIND_PACKAGE_HANDLE_STANDARD_ARGS(GR_AMRCOMPRESS DEFAULT_MSG GR_AMRCOMPRESS_LIBRARIES GR_AMRCOMPRESS_INCLUDE_DIRS)
MARK_AS_ADVANCED(GR_AMRCOMPRESS_LIBRARIES GR_AMRCOMPRESS_INCLUDE_DIRS)
