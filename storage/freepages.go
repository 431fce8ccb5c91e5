package storage

// OverwriteFree fills the database file's free pages with filler, as an
// erasure does after it commits (see overwriteFree): for changes whose
// old copies must not stay readable in the file, such as secrets sealed
// under a key a rotation retired. It returns how many free pages are left
// un-overwritten (held by a long reader; a later call takes them).
func (s *State) OverwriteFree() (int, error) { return s.overwriteFree() }
