/* commands.h — the `cajal` subcommands. Each parses its own arguments,
 * calls the library, prints errors as one line on stderr and returns the
 * process exit status (0 ok, 1 failure, 2 usage error). */
#ifndef CAJAL_CLI_COMMANDS_H
#define CAJAL_CLI_COMMANDS_H

int cj_cmd_train(int argc, char **argv);
int cj_cmd_eval(int argc, char **argv);
int cj_cmd_record(int argc, char **argv);
int cj_cmd_plot(int argc, char **argv);
int cj_cmd_ephys(int argc, char **argv);
int cj_cmd_match(int argc, char **argv);
int cj_cmd_analyze(int argc, char **argv);
int cj_cmd_tasks(int argc, char **argv);
int cj_cmd_cka(int argc, char **argv);
int cj_cmd_predict(int argc, char **argv);
int cj_cmd_decode(int argc, char **argv);
int cj_cmd_rsa(int argc, char **argv);
int cj_cmd_maximize(int argc, char **argv);
int cj_cmd_tuning(int argc, char **argv);
int cj_cmd_lesion(int argc, char **argv);
int cj_cmd_hopfield(int argc, char **argv);
int cj_cmd_patches(int argc, char **argv);
int cj_cmd_sparsecode(int argc, char **argv);
int cj_cmd_prune(int argc, char **argv);
int cj_cmd_ica(int argc, char **argv);

#endif
