package io.riverlog.testkit.disk;

/** A file or directory of the {@link SimulatedDisk}, whatever names it has or had (an inode). */
sealed interface Node permits FileNode, DirectoryNode {
}
