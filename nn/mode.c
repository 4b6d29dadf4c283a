#include "nn/mode.h"

#include <math.h>

#include "nn/portable_math.h"

static int g_reference;

void nn_set_reference_mode(int on) { g_reference = on != 0; }
int nn_reference_mode(void) { return g_reference; }

float nn_expf(float x) { return g_reference ? nn_portable_expf(x) : expf(x); }
float nn_erff(float x) { return g_reference ? nn_portable_erff(x) : erff(x); }
float nn_sinf(float x) { return g_reference ? nn_portable_sinf(x) : sinf(x); }
float nn_cosf(float x) { return g_reference ? nn_portable_cosf(x) : cosf(x); }
