/* params.c — one device's parameter store: copy-on-write overrides over the
 * model's factory defaults.
 *
 * A store is a sorted array of overrides (model index → value and/or user
 * access), so a device that differs from its model in twenty parameters
 * costs twenty small records, whatever the size of the schema. Applying a
 * profile is atomic: every allocation happens before the first change. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/model.h"
#include "spaprov/params.h"
#include "spaprov/profile.h"

#define OV_VALUE  0x01u   /* value overrides the default */
#define OV_ACCESS 0x02u   /* access overrides the default */
#define OV_DIRTY  0x04u   /* changed since the last clear */

typedef struct spa_override {
    uint32_t idx;
    uint8_t flags;
    uint8_t access;
    char *value;
} spa_override;

struct spa_params {
    const spa_model *model;
    spa_override *ov;
    uint32_t n, cap;
    bool dirty;
};

spa_params *spa_params_new(const spa_model *m)
{
    spa_params *p = calloc(1, sizeof *p);
    if (p)
        p->model = m;
    return p;
}

void spa_params_reset(spa_params *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        free(p->ov[i].value);
    p->dirty = p->n > 0;
    free(p->ov);
    p->ov = NULL;
    p->n = p->cap = 0;
}

void spa_params_free(spa_params *p)
{
    if (!p)
        return;
    spa_params_reset(p);
    free(p);
}

spa_params *spa_params_clone(const spa_params *p)
{
    spa_params *c = spa_params_new(p->model);
    if (!c)
        return NULL;
    c->ov = p->n ? malloc(p->n * sizeof *c->ov) : NULL;
    if (p->n && !c->ov)
        goto fail;
    for (uint32_t i = 0; i < p->n; i++) {
        c->ov[i] = p->ov[i];
        c->ov[i].value = NULL;
        if (p->ov[i].value && !(c->ov[i].value = strdup(p->ov[i].value))) {
            c->n = i;
            goto fail;
        }
    }
    c->n = c->cap = p->n;
    c->dirty = p->dirty;
    return c;
fail:
    spa_params_free(c);
    return NULL;
}

const spa_model *spa_params_model(const spa_params *p)
{
    return p->model;
}

/* Position of the override for idx, or where it would be inserted. */
static uint32_t ov_search(const spa_params *p, uint32_t idx, bool *found)
{
    uint32_t lo = 0, hi = p->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->ov[mid].idx < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < p->n && p->ov[lo].idx == idx;
    return lo;
}

static const spa_override *ov_find(const spa_params *p, uint32_t idx)
{
    bool found;
    uint32_t pos = ov_search(p, idx, &found);
    return found ? &p->ov[pos] : NULL;
}

/* Current value ignoring the write-only rule (internal). */
static const char *value_at(const spa_params *p, uint32_t idx)
{
    const spa_override *o = ov_find(p, idx);
    if (o && (o->flags & OV_VALUE))
        return o->value;
    return p->model->params[idx].def_value;
}

const char *spa_params_get_at(const spa_params *p, size_t idx)
{
    if (idx >= p->model->nparams)
        return NULL;
    if (p->model->params[idx].flags & SPA_PF_WRITE_ONLY)
        return "";
    return value_at(p, (uint32_t)idx);
}

const char *spa_params_get(const spa_params *p, const char *name)
{
    long idx = spa_model_find(p->model, name);
    return idx < 0 ? NULL : spa_params_get_at(p, (size_t)idx);
}

spa_access spa_params_access_at(const spa_params *p, size_t idx)
{
    if (idx >= p->model->nparams)
        return SPA_ACCESS_NA;
    const spa_override *o = ov_find(p, (uint32_t)idx);
    if (o && (o->flags & OV_ACCESS))
        return (spa_access)o->access;
    return p->model->params[idx].def_access;
}

spa_access spa_params_access(const spa_params *p, const char *name)
{
    long idx = spa_model_find(p->model, name);
    return idx < 0 ? SPA_ACCESS_NA : spa_params_access_at(p, (size_t)idx);
}

static int ov_reserve(spa_params *p, uint32_t more)
{
    if (p->n + more <= p->cap)
        return 0;
    uint32_t cap = p->cap ? p->cap : 4;
    while (cap < p->n + more)
        cap *= 2;
    spa_override *v = realloc(p->ov, cap * sizeof *v);
    if (!v)
        return -1;
    p->ov = v;
    p->cap = cap;
    return 0;
}

/* Commit one change; value (owned, may be NULL = keep) and access are final.
 * Capacity must already be reserved: this cannot fail. */
static void commit_change(spa_params *p, uint32_t idx, char *value, spa_access a)
{
    const spa_param_def *def = &p->model->params[idx];
    bool found;
    uint32_t pos = ov_search(p, idx, &found);
    if (!found) {
        memmove(&p->ov[pos + 1], &p->ov[pos], (p->n - pos) * sizeof *p->ov);
        p->ov[pos] = (spa_override){ .idx = idx };
        p->n++;
    }
    spa_override *o = &p->ov[pos];
    if (value) {
        free(o->value);
        o->value = NULL;
        o->flags &= (uint8_t)~OV_VALUE;
        if (strcmp(value, def->def_value) == 0)
            free(value);
        else {
            o->value = value;
            o->flags |= OV_VALUE;
        }
    }
    if (a != SPA_ACCESS_UNSET) {
        o->flags &= (uint8_t)~OV_ACCESS;
        if (a != def->def_access) {
            o->access = (uint8_t)a;
            o->flags |= OV_ACCESS;
        }
    }
    o->flags |= OV_DIRTY;
    p->dirty = true;
}

int spa_params_set(spa_params *p, const char *name, const char *value, spa_access a)
{
    long idx = spa_model_find(p->model, name);
    if (idx < 0)
        return -1;
    if (value && !spa_value_is_ascii(value, strlen(value)))
        return -1;
    bool vchg = value && strcmp(value_at(p, (uint32_t)idx), value) != 0;
    bool achg = a != SPA_ACCESS_UNSET && a != spa_params_access_at(p, (size_t)idx);
    if (!vchg && !achg)
        return 0;
    char *v = vchg ? strdup(value) : NULL;
    if ((vchg && !v) || ov_reserve(p, 1) < 0) {
        free(v);
        return -2;
    }
    commit_change(p, (uint32_t)idx, v, achg ? a : SPA_ACCESS_UNSET);
    return 0;
}

/* One planned change of an apply. */
typedef struct planned {
    uint32_t idx;
    bool set_value;    /* the value changes to the entry's */
    char *value;       /* owned copy of it (not made on a dry run) */
    spa_access access; /* UNSET = keep */
} planned;

/* Decide what entry e does to the store; returns 1 for a change, 0 none. */
static int plan_entry(const spa_params *p, const spa_profile_entry *e, unsigned flags,
                      spa_apply_result *r, planned *out)
{
    long idx = spa_model_find(p->model, e->name);
    if (idx < 0) {
        r->unknown++;
        return 0;
    }
    const spa_param_def *def = &p->model->params[idx];
    spa_access cur_a = spa_params_access_at(p, (size_t)idx);
    if ((flags & SPA_APPLY_AS_USER) && cur_a != SPA_ACCESS_RW) {
        r->refused++;
        return 0;
    }
    spa_access a = SPA_ACCESS_UNSET;
    if (!(flags & SPA_APPLY_AS_USER)) {
        a = e->access == SPA_ACCESS_UNSET ? def->def_access : e->access;
        if (a == cur_a)
            a = SPA_ACCESS_UNSET;
    }
    bool vchg = e->value && strcmp(value_at(p, (uint32_t)idx), e->value) != 0;
    if (!vchg && a == SPA_ACCESS_UNSET)
        return 0;
    out->idx = (uint32_t)idx;
    out->access = a;
    out->set_value = vchg;
    out->value = NULL;
    if (vchg)
        r->values_changed++;
    if (a != SPA_ACCESS_UNSET)
        r->access_changed++;
    return 1;
}

static void free_plan(planned *plan, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(plan[i].value);
    free(plan);
}

int spa_params_apply(spa_params *p, const spa_profile *prof, unsigned flags,
                     spa_apply_result *res)
{
    spa_apply_result r = { 0 };
    planned *plan = prof->n ? calloc(prof->n, sizeof *plan) : NULL;
    if (prof->n && !plan)
        return -2;
    size_t np = 0;
    for (size_t i = 0; i < prof->n; i++) {
        const spa_profile_entry *e = &prof->v[i];
        if (!plan_entry(p, e, flags, &r, &plan[np]))
            continue;
        if (plan[np].set_value && !(flags & SPA_APPLY_DRY_RUN) &&
            !(plan[np].value = strdup(e->value))) {
            free_plan(plan, np);
            return -2;
        }
        np++;
    }
    if (!(flags & SPA_APPLY_DRY_RUN)) {
        if (ov_reserve(p, (uint32_t)np) < 0) {
            free_plan(plan, np);
            return -2;
        }
        for (size_t i = 0; i < np; i++) {
            commit_change(p, plan[i].idx, plan[i].value, plan[i].access);
            plan[i].value = NULL;
        }
    }
    free_plan(plan, np);
    if (res)
        *res = r;
    return 0;
}

bool spa_params_dirty(const spa_params *p)
{
    return p->dirty;
}

bool spa_params_dirty_at(const spa_params *p, size_t idx)
{
    const spa_override *o = ov_find(p, (uint32_t)idx);
    return o && (o->flags & OV_DIRTY);
}

void spa_params_clear_dirty(spa_params *p)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        spa_override o = p->ov[i];
        o.flags &= (uint8_t)~OV_DIRTY;
        if (o.flags)
            p->ov[w++] = o;
    }
    p->n = w;
    p->dirty = false;
}

size_t spa_params_override_count(const spa_params *p)
{
    size_t k = 0;
    for (uint32_t i = 0; i < p->n; i++)
        k += (p->ov[i].flags & (OV_VALUE | OV_ACCESS)) != 0;
    return k;
}

size_t spa_params_memory(const spa_params *p)
{
    size_t bytes = sizeof *p + p->cap * sizeof *p->ov;
    for (uint32_t i = 0; i < p->n; i++)
        if (p->ov[i].value)
            bytes += strlen(p->ov[i].value) + 1;
    return bytes;
}

int spa_params_to_profile(const spa_params *p, bool all, spa_profile *prof)
{
    const spa_model *m = p->model;
    for (size_t i = 0; i < m->nparams; i++) {
        const spa_override *o = ov_find(p, (uint32_t)i);
        if (!all && !(o && (o->flags & (OV_VALUE | OV_ACCESS))))
            continue;
        if (spa_profile_set(prof, m->params[i].name, spa_params_get_at(p, i),
                            spa_params_access_at(p, i), NULL, 0, 0) == -2)
            return -2;
    }
    return 0;
}
