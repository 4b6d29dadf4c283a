/* samc_set_reference_mode (samc.h): the portable reference mode of nn/mode.h. */
#include "nn/mode.h"
#include "samc.h"

void samc_set_reference_mode(int on) { nn_set_reference_mode(on); }
