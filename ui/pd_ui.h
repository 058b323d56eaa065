/* The web UI's files, built from ui/src at build time (ui/CMakeLists.txt)
 * and embedded: name (index.html, app.js, app.css, icon.svg), content type, bytes. */
#ifndef PD_UI_H
#define PD_UI_H

#include <stddef.h>

typedef struct pd_ui_file {
    const char *name;
    const char *ctype;
    const unsigned char *data;
    size_t len;
} pd_ui_file;

extern const pd_ui_file pd_ui_files[];
extern const size_t pd_ui_nfiles;

#endif
