/**
 * Replicated partitions: the entries of a partition group and the state machine
 * that hands each to its partition's actor on every replica, in log order.
 */
package io.riverlog.actors.replica;
