package io.sparkmonitor.listener;

import java.net.URLDecoder;
import java.util.List;

/**
 * The notebook cell of a Spark Connect operation's job, read from its job tags
 * (spark/event/PROTOCOL.md, jobStart).
 *
 * <p>The kernel extension tags each cell's operations with {@code sparkmonitor-cell-<cell id>},
 * {@code sparkmonitor-kernel-<kernel id>} and {@code sparkmonitor-notebook-<notebook path>} (values
 * percent-encoded); the Connect server turns a client tag {@code t} into the job tag {@code
 * SparkConnect_Execute_User_<user>_Session_<session>_Tag_<t>}. A bare {@code sparkmonitor-…} job
 * tag (a classic {@code SparkContext.addJobTag}) counts too. Every field is null when its tag is
 * absent or not decodable.
 */
final class ConnectTags {
  static final String PREFIX = "sparkmonitor-";
  private static final String CONNECT_USER_TAG = "_Tag_" + PREFIX;

  final String cellId, kernelId, notebookPath;

  private ConnectTags(String cellId, String kernelId, String notebookPath) {
    this.cellId = cellId;
    this.kernelId = kernelId;
    this.notebookPath = notebookPath;
  }

  /** True when the job carried its notebook (a kernel or notebook tag). */
  boolean namesNotebook() {
    return kernelId != null || notebookPath != null;
  }

  static ConnectTags of(List<String> jobTags) {
    String cell = null, kernel = null, notebook = null;
    for (String tag : jobTags) {
      String ours = ours(tag);
      if (ours == null) continue;
      if (ours.startsWith("cell-")) cell = decode(ours.substring(5));
      else if (ours.startsWith("kernel-")) kernel = decode(ours.substring(7));
      else if (ours.startsWith("notebook-")) notebook = decode(ours.substring(9));
    }
    return new ConnectTags(cell, kernel, notebook);
  }

  /** What follows our prefix in a job tag, or null when the tag is not ours. */
  private static String ours(String tag) {
    if (tag.startsWith(PREFIX)) return tag.substring(PREFIX.length());
    int at = tag.startsWith("SparkConnect_") ? tag.indexOf(CONNECT_USER_TAG) : -1;
    return at < 0 ? null : tag.substring(at + CONNECT_USER_TAG.length());
  }

  private static String decode(String s) {
    try {
      String v =
          URLDecoder.decode(s, "UTF-8"); // the Charset overload is Java 10+; the jar targets Java 8
      return v.isEmpty() ? null : v;
    } catch (IllegalArgumentException | java.io.UnsupportedEncodingException e) {
      return null; // a malformed escape: no attribution rather than a wrong one
    }
  }
}
