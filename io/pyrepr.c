#include "io/pyrepr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shortest decimal digits of |v| (v finite, nonzero) that strtod reads back as |v|,
 * and the decimal exponent of the first digit: |v| = 0.d1d2... * 10^decpt. */
static int shortest_digits(double v, char *digits, int *decpt) {
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) != v && prec < 17) continue;
        /* tmp is "d.ddde[+-]xx" */
        int n = 0;
        for (const char *p = tmp; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9') digits[n++] = *p;
        while (n > 1 && digits[n - 1] == '0') n--; /* %.*e may pad with zeros */
        digits[n] = 0;
        *decpt = atoi(strchr(tmp, 'e') + 1) + 1;
        return n;
    }
    return 0; /* not reached: 17 digits always round-trip */
}

char *io_py_float_repr(double v, char *buf, size_t size) {
    if (isnan(v)) {
        snprintf(buf, size, "NaN");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "Infinity" : "-Infinity");
        return buf;
    }
    const char *sign = signbit(v) ? "-" : "";
    if (v == 0) {
        snprintf(buf, size, "%s0.0", sign);
        return buf;
    }
    char d[24], body[400];
    int decpt = 0, n = shortest_digits(fabs(v), d, &decpt), k = 0;
    if (decpt <= -4 || decpt > 16) { /* scientific: d[.ddd]e+XX, at least two exponent digits */
        int e = decpt - 1;
        k += sprintf(body, "%c", d[0]);
        if (n > 1) k += sprintf(body + k, ".%s", d + 1);
        sprintf(body + k, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (decpt <= 0) { /* 0.000ddd */
        k += sprintf(body + k, "0.");
        for (int i = 0; i < -decpt; i++) body[k++] = '0';
        sprintf(body + k, "%s", d);
    } else if (decpt >= n) { /* ddd000.0 */
        k += sprintf(body + k, "%s", d);
        for (int i = 0; i < decpt - n; i++) body[k++] = '0';
        sprintf(body + k, ".0");
    } else { /* ddd.ddd */
        sprintf(body, "%.*s.%s", decpt, d, d + decpt);
    }
    snprintf(buf, size, "%s%s", sign, body);
    return buf;
}
