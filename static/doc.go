// Package static holds Plenary's stylesheet, script and icon, embedded in
// the binary so that a single file is all a deployment needs.
//
// The web package serves these files under names that carry a hash of
// their content, so that browsers may cache them forever and a new build
// is never hidden behind a stale copy.
package static
