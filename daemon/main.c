/* pprofd: entry point and subcommand dispatch. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: pprofd <command> [arguments]\n"
               "\n"
               "commands:\n"
               "  merge [-o OUT] FILE...                  merge pprof files into one gzip pprof\n"
               "  diff [-o OUT] [--normalize] [--base] BASE TARGET\n"
               "                                          the diff profile of TARGET against BASE\n"
               "  run [-c FILE]                           the collector daemon\n"
               "  check-config FILE                       parse and validate a config file\n"
               "  import -c FILE --type T --job J [--label K=V]... PPROF...\n"
               "                                          store pprof files at their own time\n"
               "  version                                 version and library versions\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PD_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "merge") == 0)
        return pd_cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "diff") == 0)
        return pd_cmd_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return pd_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return pd_cmd_import(argc - 1, argv + 1);
    if (strcmp(cmd, "check-config") == 0)
        return pd_cmd_check_config(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0)
        return pd_cmd_version(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return PD_EXIT_OK;
    }
    fprintf(stderr, "pprofd: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return PD_EXIT_USAGE;
}
