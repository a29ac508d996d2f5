/* mask_common.h — what the masked losses share (see objectives.h): the
 * mask's total and each row's weight in the mean. Private to
 * src/objectives/. */
#ifndef CAJAL_OBJECTIVES_MASK_COMMON_H
#define CAJAL_OBJECTIVES_MASK_COMMON_H

/* sum_b mask_b, in double so that many small weights add up exactly
 * enough. */
static inline double mask_total(const float *mask, int batch)
{
    double total = 0.0;
    for (int b = 0; b < batch; b++) total += mask[b];
    return total;
}

/* Row b's weight in the loss, mask_b / sum(mask); 0 for every row when the
 * mask sums to 0 (the loss of nothing is 0, not 0/0). */
static inline double mask_weight(const float *mask, int b, double total)
{
    return total > 0 ? mask[b] / total : 0.0;
}

#endif
