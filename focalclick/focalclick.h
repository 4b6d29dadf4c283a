#ifndef SAMC_FOCALCLICK_H
#define SAMC_FOCALCLICK_H

#include "iseg/iseg.h"

/* The model a version-2 .samw of family "focalclick" holds (iseg/iseg.h). NULL with a message. */
iseg *focalclick_open(const samw *w);

#endif
