#include "cli.h"

#include "pd_profile.h"

#include <stdio.h>

int pd_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("pprofd %s\nlibdeflate %s\nprotobuf-c %s\n", PPROFD_VERSION, pd_proto_deflate_version(),
           pd_proto_protobuf_c_version());
    return PD_EXIT_OK;
}
