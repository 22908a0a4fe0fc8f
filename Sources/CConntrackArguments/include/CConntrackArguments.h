#ifndef CCONNTRACK_ARGUMENTS_H
#define CCONNTRACK_ARGUMENTS_H
// Linked into the `conntrack` executable only.
//
// It keeps the argument vector glibc passes to ELF constructors, for `main.swift` (which
// then needs neither `CommandLine.arguments` nor the code behind it), and it hands the Swift runtime the argument vector that glibc passes to ELF constructors,
// by defining `_swift_stdlib_getUnsafeArgvArgc` (the runtime hook behind
// `CommandLine.arguments`). In a static executable the runtime's own definition (an
// archive member) is then not linked, and with it goes its start-up constructor, which
// on Linux finds `argv` by opening and scanning /proc/self/maps in every process.
// With the shared Swift runtime (debug builds) this definition is simply unused: the
// runtime's symbol is internal to libswiftCore.so.

/// The process's argc, or 0 if the C library did not pass it to constructors.
int ct_argc(void);
/// The process's argv (argc entries, then NULL), or NULL if not known.
char *const *ct_argv(void);

#endif
