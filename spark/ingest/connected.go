package ingest

// Connected counts the applications whose listener is connected now (one live connection each). Safe for concurrent
// use.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}
