package ui

import (
	"context"
	"errors"
	"fmt"

	"dialtone/dialer"
)

// inputMessage turns an input error into a sentence for the agent.
func inputMessage(err error) string {
	var charErr *dialer.CharError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &charErr):
		return fmt.Sprintf("“%c” can't be part of a phone number.", charErr.Char)
	case errors.Is(err, dialer.ErrFull):
		return fmt.Sprintf("A number can't be longer than %d digits.", dialer.MaxLen)
	case errors.Is(err, dialer.ErrPlusNotFirst):
		return "+ can only go at the start of a number."
	}
	return "That can't be entered here."
}

// numberMessage turns a validation error into a sentence for the agent.
func numberMessage(err error) string {
	switch {
	case errors.Is(err, dialer.ErrEmpty):
		return "Enter a number to call."
	case errors.Is(err, dialer.ErrTooShort):
		return "That number is too short. Include the area code."
	case errors.Is(err, dialer.ErrTooLong):
		return "That number is too long."
	case errors.Is(err, dialer.ErrCountryCode):
		return "Check the country code, or start the number with + and the country code."
	case errors.Is(err, dialer.ErrServiceCode):
		return "Codes with * or # can't be dialled from here."
	}
	return "That isn't a valid phone number. Check the digits."
}

// callMessage turns the outcome of a call attempt into a sentence for the agent.
func callMessage(err error) string {
	switch {
	case errors.Is(err, dialer.ErrNoLine):
		return noLineHint
	case errors.Is(err, context.Canceled):
		return "Call cancelled."
	case errors.Is(err, context.DeadlineExceeded):
		return "The phone line did not answer in time. Try again."
	}
	return "The call could not be placed. Try again, or tell your supervisor if it keeps happening."
}
