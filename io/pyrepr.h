/* Python's repr() of a float, which is what json.dumps writes for one: the shortest digits
 * that read back to the same double, in fixed notation for exponents -4..15 ("98.0",
 * "0.0001") and scientific otherwise ("1e-05", "1.2345678901234568e+17"); NaN and the
 * infinities as json.dumps spells them ("NaN", "Infinity", "-Infinity"). */
#ifndef SAMC_IO_PYREPR_H
#define SAMC_IO_PYREPR_H

#include <stddef.h>

/* Writes the repr of v into buf (32 bytes always suffice); returns buf. */
char *io_py_float_repr(double v, char *buf, size_t size);

#endif
