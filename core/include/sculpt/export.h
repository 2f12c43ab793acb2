/*
 * export.h - what libsculpt exports, and C++ linkage.
 *
 * libsculpt is built with -fvisibility=hidden: a symbol is exported only when it is
 * declared between SC_BEGIN_DECLS and SC_END_DECLS in an installed public header
 * (core/include/sculpt/).  Internal headers (core/forecast/fcint.h, lstm.h,
 * core/sculpt/optint.h, ...) do not use the markers, so the Kalman filter, the LSTM and
 * the optimizer internals stay inside the library.  The markers also give C++ callers C
 * linkage.  SC_API marks one declaration outside such a block.
 *
 * Declarations inside a block take the default visibility from the first declaration,
 * which the definition in the .c file inherits (GCC and Clang).
 *
 * SC_BEGIN_INTERNAL_DECLS / SC_END_INTERNAL_DECLS: C++ linkage only, hidden.  For the
 * headers of core/include/sculpt/ that are not installed (json.h: helpers on cJSON
 * types), so the library's own code and tests reach them and libsculpt.so does not
 * export them.  tests/test_exports.sh checks that every exported symbol is declared in
 * an installed header.
 */
#ifndef SCULPT_EXPORT_H
#define SCULPT_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define SC_API __attribute__((visibility("default")))
#define SC_VISIBILITY_PUSH_ _Pragma("GCC visibility push(default)")
#define SC_VISIBILITY_POP_ _Pragma("GCC visibility pop")
#else
#define SC_API
#define SC_VISIBILITY_PUSH_
#define SC_VISIBILITY_POP_
#endif

#ifdef __cplusplus
#define SC_BEGIN_DECLS SC_VISIBILITY_PUSH_ extern "C" {
#define SC_END_DECLS } SC_VISIBILITY_POP_
#define SC_BEGIN_INTERNAL_DECLS extern "C" {
#define SC_END_INTERNAL_DECLS }
#else
#define SC_BEGIN_DECLS SC_VISIBILITY_PUSH_
#define SC_END_DECLS SC_VISIBILITY_POP_
#define SC_BEGIN_INTERNAL_DECLS
#define SC_END_INTERNAL_DECLS
#endif

#endif
