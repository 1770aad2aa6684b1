// Buttons that act at once and cannot be undone (revoking a token, disabling an account, ending an
// accompaniment, sending proposals by e-mail) ask first: a form with data-confirm="question" is sent only
// after the person says yes. Without JavaScript the form is sent as before.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
