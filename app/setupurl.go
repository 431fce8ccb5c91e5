package app

import (
	"errors"
	"io/fs"
	"os"
)

// removeSetupURL deletes the setup URL file once setup is done: the token
// in it is spent, and the README promises the file goes.
func (a *App) removeSetupURL(file string) {
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		a.logger.Warn("removing the spent setup URL file", "err", err, "file", file)
	}
}
