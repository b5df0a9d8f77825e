package idp

import "dialtone/internal/regularfile"

// ReadProviderListFile reads and checks the provider list file at path (the
// command line's --providers) as ParseProviderList does. Only a regular
// file is read: a FIFO or a device is refused at once with an error
// matching regularfile.ErrNotRegular, never waited on.
func ReadProviderListFile(path string) (*ProviderList, error) {
	f, err := regularfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseProviderList(f)
}
