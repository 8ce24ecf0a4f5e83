/* Parta: Russian date picker for the ДД.ММ.ГГГГ date fields (no external scripts). */
(function ($) {
  $.fn.datepicker.dates.ru = {
    days: ["Воскресенье", "Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота"],
    daysShort: ["Вск", "Пнд", "Втр", "Срд", "Чтв", "Птн", "Суб"],
    daysMin: ["Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"],
    months: ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"],
    monthsShort: ["Янв", "Фев", "Мар", "Апр", "Май", "Июн", "Июл", "Авг", "Сен", "Окт", "Ноя", "Дек"],
    today: "Сегодня",
    clear: "Очистить",
    format: "dd.mm.yyyy",
    weekStart: 1,
    monthsTitle: "Месяцы"
  };
  $(function () {
    $(".parta-date input").datepicker({
      language: "ru", format: "dd.mm.yyyy", weekStart: 1, autoclose: true, todayHighlight: true, forceParse: false
    });
  });
})(jQuery);
