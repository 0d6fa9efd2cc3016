#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry for programs that have their own main (LLVM >= 11).
/// SwiftPM links every Linux executable with `--defsym main=<module>_main`,
/// so each fuzz target defines `<module>_main` and hands over to libFuzzer
/// here instead of relying on libFuzzer's own main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
