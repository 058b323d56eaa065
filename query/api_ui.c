/* Serving the web UI (ui/, embedded at build time): "/" is the page,
 * "/ui/app.js" and "/ui/app.css" what it loads. The page itself holds no
 * data and needs no token; what it shows comes from /api/, which asks for
 * one where the config says so. */
#include "api_int.h"

#include "pd_ui.h"

#include <string.h>

/* Scripts and styles only from this daemon, no inline script, no framing;
 * the API is same-origin. Styles set through the DOM (the chart library
 * sizes its canvas so) are not inline styles and need no exception. */
const char api_ui_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                          "form-action 'self'; frame-ancestors 'none'";

static const pd_ui_file *find(const char *name)
{
    for (size_t i = 0; i < pd_ui_nfiles; i++)
        if (strcmp(pd_ui_files[i].name, name) == 0)
            return &pd_ui_files[i];
    return NULL;
}

bool api_ui_answer(api_req *r, const char *path)
{
    const char *name;
    if (strcmp(path, "/") == 0)
        name = "index.html";
    else if (strncmp(path, "/ui/", 4) == 0)
        name = path + 4;
    else
        return false;
    const pd_ui_file *f = find(name);
    if (f == NULL) {
        api_set_error(r, 404, "not found");
        return true;
    }
    pd_buf_reset(&r->body);
    if (pd_buf_append(&r->body, f->data, f->len) < 0) {
        api_set_error(r, 500, "answer too large");
        return true;
    }
    r->status = 200;
    r->ctype = f->ctype;
    r->page = true;
    return true;
}
