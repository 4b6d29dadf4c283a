/* RITM (Sofiiuk et al. 2022), the study's coco_lvis_h32_itermask: HRNet + OCR head behind the
 * authors' NoBRS BasePredictor, as the study called it (baselines.md §1, §3). */
#ifndef SAMC_RITM_RITM_H
#define SAMC_RITM_RITM_H

#include "iseg/iseg.h"

/* The model a .samw of family "ritm" holds (any width, ocr_width and small the checkpoint's
 * config gives); it points into w's mapping, so w must outlive it. NULL with a message. */
iseg *ritm_open(const samw *w);

#endif
