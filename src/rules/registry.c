/* registry.c — every learning rule rule.name can choose, in the order
 * messages list them. Adding a rule is one line here. */
#include "cajal/rules.h"

static const cj_rule_ops *const REGISTRY[] = {
    &cj_rule_bp,
    &cj_rule_fa,
    &cj_rule_dfa,
    &cj_rule_sign_symmetry,
    &cj_rule_kolen_pollack,
    &cj_rule_weight_mirror,
    &cj_rule_node_perturbation,
    &cj_rule_weight_perturbation,
    &cj_rule_rflo,
    &cj_rule_hebbian,
};

const cj_rule_ops *const *cj_rule_registry(int *n)
{
    *n = (int)(sizeof REGISTRY / sizeof REGISTRY[0]);
    return REGISTRY;
}
