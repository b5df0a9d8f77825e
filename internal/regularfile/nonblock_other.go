//go:build !unix

package regularfile

// nonBlock is nothing where opening a file cannot block on a FIFO.
const nonBlock = 0
