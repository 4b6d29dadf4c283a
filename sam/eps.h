/* The LayerNorm epsilons of the official modules, in one place. */
#ifndef SAMC_SAM_EPS_H
#define SAMC_SAM_EPS_H

/* the image encoder's partial(nn.LayerNorm, eps=1e-6) and every LayerNorm2d (common.py) */
#define SAM_LN_EPS 1e-6f
/* the two-way transformer's nn.LayerNorm at PyTorch's default */
#define SAM_TW_LN_EPS 1e-5f

#endif
