#ifndef TT_HAMMER_H
#define TT_HAMMER_H

/* pd_testtool hammer: see tt_hammer.c. argv[0] is "hammer". */
int tt_hammer(int argc, char **argv);

#endif
