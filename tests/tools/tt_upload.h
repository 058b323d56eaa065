#ifndef TT_UPLOAD_H
#define TT_UPLOAD_H

/* pd_testtool upload: see tt_upload.c. argv[0] is "upload". */
int tt_upload(int argc, char **argv);

#endif
