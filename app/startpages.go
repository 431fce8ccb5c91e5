package app

// dropStartPages releases the executable's pages start-up touched
// (releaseStartPages) and logs how much was resident.
func (a *App) dropStartPages() {
	n, err := releaseStartPages()
	if err != nil {
		a.logger.Warn("could not release start-up pages", "err", err)
		return
	}
	a.logger.Debug("released start-up pages of the executable", "bytes", n)
}
