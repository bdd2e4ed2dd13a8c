package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

var timeType = reflect.TypeFor[time.Time]()

// normalize returns a deep copy of v with every time.Time in UTC (and
// without monotonic reading) and every empty slice nil, so that records
// that differ only in representation compare equal.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	return normValue(rv).Interface()
}

func normValue(v reflect.Value) reflect.Value {
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return reflect.ValueOf(time.Time{})
		}
		return reflect.ValueOf(t.UTC().Round(0))
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normValue(v.Elem()))
		return p
	case reflect.Slice:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(normValue(v.Index(i)))
		}
		return s
	case reflect.Struct:
		s := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if !s.Field(i).CanSet() {
				// Unexported fields only occur in time.Time, handled above.
				panic(fmt.Sprintf("storetest: cannot normalise %s.%s", v.Type(), v.Type().Field(i).Name))
			}
			s.Field(i).Set(normValue(v.Field(i)))
		}
		return s
	}
	return v
}

// equal reports whether got and want are equal after normalisation.
func equal(got, want any) bool {
	return reflect.DeepEqual(normalize(got), normalize(want))
}

// wantEqual fails the test unless got equals want after normalisation.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equal(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, normalize(got), normalize(want))
	}
}
