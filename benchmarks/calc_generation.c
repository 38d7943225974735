/* calc_generation.c - core/calc.c compiled a second time with its in-order additions
 * left out, as fcb_calc_generation(n, iterations): what making the random numbers
 * costs alone, so that benchmarks/speed can say what bounds calc against its floor
 * (the additions alone). Its result is not Python's; only its time matters. */
#define FC_CALC_GENERATION_ONLY
#define fc_calc fcb_calc_generation
#include "../core/calc.c" /* forkcollect.h's prototype of fc_calc is renamed too */
