/* samc merge: the per-image results of several run folders (the shards of samc eval
 * --shard I/N) joined into one, after every check. */
#ifndef SAMC_EVAL_MERGE_H
#define SAMC_EVAL_MERGE_H

#include <stddef.h>

/* Checks every input of in[n_in] (no eval writing to it, same run.conf and shards.conf,
 * intact files, no conflicting duplicates, nothing conflicting already in out), then copies
 * the results files into out (*n_copied of them) and joins the skipped lists and shard
 * records. *incomplete (the caller frees it): what is missing from the merged run, NULL when
 * nothing is or an input has no record. Returns 0 or -1 with a message (util/err.h). */
int eval_merge(const char *const *in, int n_in, const char *out, size_t *n_copied, char **incomplete);

#endif
